import { requesterHash } from './privacy-dto';
import { AppError } from '../../shared/errors';
import { isOpen } from '../../shared/privacy';
import type { Clock } from '../platform/clock';
import type { Stores } from '../db/store';
import { type Actor, actorOf } from './privacy-service';

/**
 * The register of privacy requests for record-keeping: the CSV of every request and the record of one
 * closed request. Both leave out e-mail addresses (the keyed hash stands in) and are themselves audited.
 */
export class PrivacyRegister {
  constructor(
    private readonly requests: Stores['requests'],
    private readonly audit: Stores['audit'],
    private readonly systems: Stores['systems'],
    private readonly clock: Clock,
  ) {}

  /**
   * The record of one closed request for the file (Roskomnadzor order 179 wants proof of destruction:
   * a record plus the event-log extract): what was done, when, by whom, how — without the address.
   */
  async closureRecord(operator: Actor, id: number): Promise<Record<string, unknown>> {
    const row = await this.requests.byId(id);
    if (!row) throw new AppError('not_found', 'No such request.');
    if (isOpen(row.state)) throw new AppError('invalid_state', 'The record exists once the request is closed.');
    const now = this.clock.now();
    await this.audit.append(row.id, now, actorOf(operator), 'record exported', null);
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      format: 'cw-privacy-record/1',
      generatedAt: new Date(now).toISOString(),
      reference: row.reference,
      type: row.type,
      state: row.state,
      jurisdiction: row.jurisdiction,
      requesterHash: requesterHash(row),
      receivedAt: iso(row.receivedAt),
      verifiedAt: iso(row.verifiedAt),
      dueAt: iso(row.dueAt),
      closedAt: iso(row.completedAt),
      method:
        row.type === 'erasure' && row.state === 'completed'
          ? 'Rows deleted from the SQLite database in one transaction (DELETE); the ticket keeps only a keyed HMAC of the e-mail.'
          : null,
      result: row.resultJson ? JSON.parse(row.resultJson) : null,
      // Every other system the request concerned: its outcome, the evidence and who gave it, when.
      systems: (await this.systems.entries(row.id)).map((e) => ({
        system: e.name,
        reachedBy: e.kind,
        outcome: e.state,
        legalBasis: e.legalBasis,
        evidence: e.note,
        counts: e.countsJson ? JSON.parse(e.countsJson) : null,
        answeredBy: e.answeredBy,
        answeredAt: iso(e.answeredAt),
      })),
      retained: row.retainedNote,
      rejectionReason: row.rejectionReason,
      events: (await this.audit.list(row.id)).map((e) => ({
        at: new Date(e.at).toISOString(),
        actor: e.actor,
        action: e.action,
        detail: e.detail,
      })),
      // The whole log's hash chain as of this record: whether it is intact, and its head to compare later.
      auditChain: (({ intact, entries, head }) => ({ intact, entries, head }))(await this.audit.verifyChain()),
    };
  }

  /** The register of requests as CSV, for record-keeping (no e-mail addresses: the keyed hash stands in). */
  async registerCsv(operator: Actor): Promise<string> {
    await this.audit.append(null, this.clock.now(), actorOf(operator), 'register exported', null);
    const header = [
      'reference',
      'type',
      'state',
      'jurisdiction',
      'source',
      'requester_hash',
      'received_at',
      'verified_at',
      'due_at',
      'extended',
      'completed_at',
      'rejection_reason',
      'result',
    ];
    const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());
    const lines = (await this.requests.all()).map((r) =>
      [
        r.reference,
        r.type ?? 'needs triage',
        r.state,
        r.jurisdiction,
        r.source,
        requesterHash(r),
        iso(r.receivedAt),
        iso(r.verifiedAt),
        iso(r.dueAt),
        r.extended ? 'yes' : 'no',
        iso(r.completedAt),
        r.rejectionReason ?? '',
        r.resultJson ?? '',
      ]
        .map(csvCell)
        .join(','),
    );
    return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
  }
}

/** One CSV cell: quoted when it must be, and never read as a formula by a spreadsheet. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

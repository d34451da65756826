import type { DataSystemDto, LegalBasis, SystemKind, SystemState } from '../../../shared/data-systems';
import type { RequestType } from '../../../shared/privacy';
import type { Db } from '../open';

export interface DataSystemRow extends Omit<DataSystemDto, 'requestTypes'> {
  requestTypes: RequestType[];
  secret: string;
}

export interface RequestSystemRow {
  id: number;
  requestId: number;
  systemId: number;
  receiptId: string;
  name: string;
  kind: SystemKind;
  state: SystemState;
  legalBasis: LegalBasis | null;
  note: string | null;
  countsJson: string | null;
  dataJson: string | null;
  answeredBy: string | null;
  answeredAt: number | null;
  linkHash: Buffer | null;
  linkExpiresAt: number | null;
  attempts: number;
  nextAttemptAt: number | null;
  deliveryError: string | null;
  remindedAt: number | null;
  createdAt: number;
  /** The system's operator, for manual tasks. */
  assigneeId: number | null;
}

const SYSTEM = `SELECT id, name, purpose, request_types AS requestTypes, owner_email AS ownerEmail, kind, webhook_url AS webhookUrl,
  secret, contact_email AS contactEmail, assignee_id AS assigneeId, created_at AS createdAt FROM data_systems`;
const ENTRY = `SELECT e.id, e.request_id AS requestId, e.system_id AS systemId, e.receipt_id AS receiptId, e.name, e.kind, e.state,
  e.legal_basis AS legalBasis, e.note, e.counts_json AS countsJson, e.data_json AS dataJson, e.answered_by AS answeredBy,
  e.answered_at AS answeredAt, e.link_hash AS linkHash, e.link_expires_at AS linkExpiresAt, e.attempts,
  e.next_attempt_at AS nextAttemptAt, e.delivery_error AS deliveryError, e.reminded_at AS remindedAt, e.created_at AS createdAt,
  s.assignee_id AS assigneeId
  FROM request_systems e JOIN data_systems s ON s.id = e.system_id`;

export type SystemFields = Omit<DataSystemRow, 'id' | 'createdAt'>;

export const toSystem = (row: Record<string, unknown>): DataSystemRow => ({
  ...(row as unknown as DataSystemRow),
  requestTypes: JSON.parse(row.requestTypes as string) as RequestType[],
});

/** The register of data systems and each request's rows, one per system it concerns. */
export class DataSystemRepository {
  private readonly listStmt;
  private readonly byIdStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly archiveStmt;
  private readonly insertEntryStmt;
  private readonly entriesStmt;
  private readonly entryStmt;
  private readonly byReceiptStmt;
  private readonly answerStmt;
  private readonly deliveryStmt;
  private readonly dueStmt;
  private readonly remindStmt;
  private readonly toRemindStmt;
  private readonly clearStmt;

  constructor(db: Db) {
    this.listStmt = db.prepare(`${SYSTEM} WHERE archived_at IS NULL ORDER BY name COLLATE NOCASE, id`);
    // Archived systems too: requests they were asked about still name them.
    this.byIdStmt = db.prepare(`${SYSTEM} WHERE id = ?`);
    this.insertStmt = db.prepare(
      `INSERT INTO data_systems (name, purpose, request_types, owner_email, kind, webhook_url, secret, contact_email, assignee_id, created_at)
       VALUES (@name, @purpose, @requestTypes, @ownerEmail, @kind, @webhookUrl, @secret, @contactEmail, @assigneeId, @createdAt)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE data_systems SET name = @name, purpose = @purpose, request_types = @requestTypes, owner_email = @ownerEmail, kind = @kind,
         webhook_url = @webhookUrl, contact_email = @contactEmail, assignee_id = @assigneeId WHERE id = @id AND archived_at IS NULL`,
    );
    this.archiveStmt = db.prepare(`UPDATE data_systems SET archived_at = ? WHERE id = ? AND archived_at IS NULL`);
    this.insertEntryStmt = db.prepare(
      `INSERT INTO request_systems (request_id, system_id, receipt_id, name, kind, link_hash, link_expires_at, next_attempt_at, created_at)
       VALUES (@requestId, @systemId, @receiptId, @name, @kind, @linkHash, @linkExpiresAt, @nextAttemptAt, @createdAt)`,
    );
    this.entriesStmt = db.prepare(`${ENTRY} WHERE e.request_id = ? ORDER BY e.id`);
    this.entryStmt = db.prepare(`${ENTRY} WHERE e.id = ?`);
    this.byReceiptStmt = db.prepare(`${ENTRY} WHERE e.receipt_id = ?`);
    this.answerStmt = db.prepare(
      `UPDATE request_systems SET state = @state, legal_basis = @legalBasis, note = @note, counts_json = @countsJson,
         data_json = @dataJson, answered_by = @answeredBy, answered_at = @answeredAt, link_hash = NULL, next_attempt_at = NULL,
         delivery_error = NULL WHERE id = @id`,
    );
    this.deliveryStmt = db.prepare(
      `UPDATE request_systems SET attempts = @attempts, next_attempt_at = @nextAttemptAt, delivery_error = @deliveryError
        WHERE id = @id AND state = 'pending'`,
    );
    this.dueStmt = db.prepare(
      `${ENTRY} WHERE e.state = 'pending' AND e.next_attempt_at IS NOT NULL AND e.next_attempt_at <= ? ORDER BY e.next_attempt_at LIMIT 50`,
    );
    this.remindStmt = db.prepare(`UPDATE request_systems SET reminded_at = ? WHERE id = ?`);
    this.toRemindStmt = db.prepare(
      `SELECT e.id, e.name, e.request_id AS requestId, r.reference, r.due_at AS dueAt, s.owner_email AS ownerEmail
         FROM request_systems e JOIN privacy_requests r ON r.id = e.request_id JOIN data_systems s ON s.id = e.system_id
        WHERE e.state = 'pending' AND r.due_at IS NOT NULL AND r.due_at <= @horizon
          AND (e.reminded_at IS NULL OR e.reminded_at <= @since) ORDER BY r.due_at LIMIT 100`,
    );
    this.clearStmt = db.prepare(
      `UPDATE request_systems SET data_json = NULL, link_hash = NULL, next_attempt_at = NULL WHERE request_id = ?`,
    );
  }

  list(): DataSystemRow[] {
    return (this.listStmt.all() as Record<string, unknown>[]).map(toSystem);
  }

  byId(id: number): DataSystemRow | null {
    const row = this.byIdStmt.get(id) as Record<string, unknown> | undefined;
    return row ? toSystem(row) : null;
  }

  insert(fields: SystemFields, createdAt: number): number {
    return Number(this.insertStmt.run({ ...fields, requestTypes: JSON.stringify(fields.requestTypes), createdAt }).lastInsertRowid);
  }

  update(id: number, fields: Omit<SystemFields, 'secret'>): boolean {
    return this.updateStmt.run({ ...fields, requestTypes: JSON.stringify(fields.requestTypes), id }).changes === 1;
  }

  /** Archived, not deleted: requests' rows keep pointing at it, and its name stays on them. */
  archive(id: number, now: number): boolean {
    return this.archiveStmt.run(now, id).changes === 1;
  }

  addEntry(
    entry: Pick<
      RequestSystemRow,
      'requestId' | 'systemId' | 'receiptId' | 'name' | 'kind' | 'linkHash' | 'linkExpiresAt' | 'nextAttemptAt' | 'createdAt'
    >,
  ): number {
    return Number(this.insertEntryStmt.run(entry).lastInsertRowid);
  }

  entries(requestId: number): RequestSystemRow[] {
    return this.entriesStmt.all(requestId) as RequestSystemRow[];
  }

  entry(id: number): RequestSystemRow | null {
    return (this.entryStmt.get(id) as RequestSystemRow | undefined) ?? null;
  }

  byReceipt(receiptId: string): RequestSystemRow | null {
    return (this.byReceiptStmt.get(receiptId) as RequestSystemRow | undefined) ?? null;
  }

  answer(
    id: number,
    answer: Pick<RequestSystemRow, 'state' | 'legalBasis' | 'note' | 'countsJson' | 'dataJson' | 'answeredBy' | 'answeredAt'>,
  ): void {
    this.answerStmt.run({ ...answer, id });
  }

  delivery(id: number, attempt: Pick<RequestSystemRow, 'attempts' | 'nextAttemptAt' | 'deliveryError'>): void {
    this.deliveryStmt.run({ ...attempt, id });
  }

  /** Webhook rows whose (next) delivery is due. */
  due(now: number): RequestSystemRow[] {
    return this.dueStmt.all(now) as RequestSystemRow[];
  }

  /** Pending rows of requests due before `horizon`, not reminded since `since`. */
  toRemind(
    horizon: number,
    since: number,
  ): Array<{ id: number; name: string; requestId: number; reference: string; dueAt: number; ownerEmail: string }> {
    return this.toRemindStmt.all({ horizon, since }) as Array<{
      id: number;
      name: string;
      requestId: number;
      reference: string;
      dueAt: number;
      ownerEmail: string;
    }>;
  }

  reminded(id: number, now: number): void {
    this.remindStmt.run(now, id);
  }

  /** A closed request keeps its rows' outcomes as proof; the returned data, links and retries go. */
  clear(requestId: number): void {
    this.clearStmt.run(requestId);
  }
}

import { AppError } from '../../shared/errors';
import {
  type DataSystemDto,
  LEGAL_BASIS_KEYS,
  type LegalBasis,
  type RequestSystemDto,
  type SystemOutcome,
  type VisitorSystemDto,
} from '../../shared/data-systems';
import type { DataSystemSaveInput } from '../../shared/schemas';
import type { Clock } from '../platform/clock';
import { randomToken, sha256 } from '../platform/crypto';
import type { DataSystemRow, RequestSystemRow } from '../db/repositories/data-system-repository';
import type { Stores } from '../db/store';
import type { PrivacyRequestRow } from '../db/repositories/privacy-repository';
import type { OutgoingMail } from '../mail/mailer';
import { mailTemplates } from '../mail/templates';

/** A processor's link stays valid this long at most (or until the request is closed). */
export const PROCESSOR_LINK_MS = 30 * 24 * 60 * 60 * 1000;
/** Owners are reminded when a request is due within this long, at most once a day per row. */
export const REMIND_BEFORE_MS = 7 * 24 * 60 * 60 * 1000;
const REMIND_EVERY_MS = 24 * 60 * 60 * 1000;

/** One answer for one row, from whoever gives it. */
export interface SystemAnswer {
  outcome: SystemOutcome;
  legalBasis?: LegalBasis | null;
  /** The reason of a failure, the processor's note, the operator's evidence. */
  note?: string | null;
  counts?: Record<string, number> | null;
  data?: unknown;
  /** Who answered, as the row and the audit log name them. */
  by: string;
  /** Operators' and processors' answers must say how they know (an evidence note). */
  evidenceRequired: boolean;
}

/**
 * The rules of the data-system register, in the writer thread: which systems a request concerns, their rows
 * once it is started, answers (with their legal basis and evidence), the completion gate, and the reminders.
 */
export class DataSystemLedger {
  constructor(
    private readonly repo: Stores['systems'],
    private readonly clock: Clock,
    private readonly publicUrl: () => string,
  ) {}

  async list(): Promise<DataSystemDto[]> {
    return (await this.repo.list()).map(toSystemDto);
  }

  /** Creates or changes a system. A new system's secret is returned once, to be configured on its side. */
  async save(input: DataSystemSaveInput): Promise<{ system: DataSystemDto; secret: string | null }> {
    const fields = {
      name: input.name,
      purpose: input.purpose ?? '',
      requestTypes: [...new Set(input.requestTypes)],
      ownerEmail: input.ownerEmail,
      kind: input.kind,
      webhookUrl: input.kind === 'webhook' ? (input.webhookUrl ?? null) : null,
      contactEmail: input.kind === 'processor_email' ? (input.contactEmail ?? null) : null,
      assigneeId: input.kind === 'manual' ? (input.assigneeId ?? null) : null,
    };
    if (fields.kind === 'webhook' && !fields.webhookUrl)
      throw new AppError('invalid_payload', 'webhookUrl: a webhook system needs its URL.');
    if (fields.kind === 'processor_email' && !fields.contactEmail)
      throw new AppError('invalid_payload', 'contactEmail: say who answers for the processor.');
    if (input.id === undefined) {
      const secret = randomToken(32);
      const id = await this.repo.insert({ ...fields, secret }, this.clock.now());
      // Only a webhook signs and checks with it; a system reached by mail or by hand is never told one.
      return { system: toSystemDto((await this.repo.byId(id))!), secret: fields.kind === 'webhook' ? secret : null };
    }
    if (!(await this.repo.update(input.id, fields))) throw new AppError('not_found', 'No such data system.');
    return { system: toSystemDto((await this.repo.byId(input.id))!), secret: null };
  }

  async archive(id: number): Promise<void> {
    if (!(await this.repo.archive(id, this.clock.now()))) throw new AppError('not_found', 'No such data system.');
  }

  /**
   * The request was started: one row per system it concerns. Webhook rows are due for delivery now;
   * processors are mailed their one-time link (returned, to go out once this commits); manual rows wait for
   * their operator.
   */
  async fanOut(request: PrivacyRequestRow): Promise<OutgoingMail[]> {
    if (request.type === null || !request.email) return [];
    const mails: OutgoingMail[] = [];
    const now = this.clock.now();
    const existing = new Set((await this.repo.entries(request.id)).map((e) => e.systemId));
    for (const system of await this.repo.list()) {
      if (!system.requestTypes.includes(request.type) || existing.has(system.id)) continue;
      const link = system.kind === 'processor_email' ? randomToken(32) : null;
      const receiptId = randomToken(18);
      await this.repo.addEntry({
        requestId: request.id,
        systemId: system.id,
        receiptId,
        name: system.name,
        kind: system.kind,
        linkHash: link ? sha256(link) : null,
        linkExpiresAt: link ? Math.min(now + PROCESSOR_LINK_MS, Math.max(request.dueAt ?? 0, now + 24 * 3600_000)) : null,
        nextAttemptAt: system.kind === 'webhook' ? now : null,
        createdAt: now,
      });
      if (link && system.contactEmail)
        mails.push({
          to: system.contactEmail,
          ...mailTemplates.processorTask({
            system: system.name,
            type: request.type,
            reference: request.reference,
            email: request.email,
            dueAt: request.dueAt,
            url: `${this.publicUrl()}/privacy/processor/${receiptId}?t=${link}`,
          }),
        });
    }
    return mails;
  }

  /** Records one system's answer; returns the row as it now stands. Refuses a second answer. */
  async answer(entry: RequestSystemRow, request: PrivacyRequestRow, answer: SystemAnswer): Promise<RequestSystemRow> {
    if (entry.state !== 'pending' && entry.state !== 'failed')
      throw new AppError('conflict', `${entry.name} has already answered this request.`);
    if (request.state !== 'in_progress') throw new AppError('invalid_state', 'This request is not being worked on.');
    const note = answer.note?.trim() || null;
    if (answer.outcome === 'kept' && !answer.legalBasis)
      throw new AppError('invalid_payload', `legalBasis: say on which ground the data is kept (${LEGAL_BASIS_KEYS.join(', ')}).`);
    if (answer.outcome === 'failed' && !note) throw new AppError('invalid_payload', 'note: say why it failed.');
    if (answer.evidenceRequired && !note)
      throw new AppError('invalid_payload', 'note: describe the evidence — what was checked or done, and where.');
    const data = request.type === 'access' && answer.outcome === 'done' && answer.data !== undefined ? JSON.stringify(answer.data) : null;
    await this.repo.answer(entry.id, {
      state: answer.outcome,
      legalBasis: answer.outcome === 'kept' ? (answer.legalBasis ?? null) : null,
      note,
      countsJson: answer.counts ? JSON.stringify(answer.counts) : null,
      dataJson: data,
      answeredBy: answer.by,
      answeredAt: this.clock.now(),
    });
    return (await this.repo.entry(entry.id))!;
  }

  /** The request may not be completed while any system has not answered, or reported a failure. */
  async assertComplete(requestId: number): Promise<void> {
    const open = await this.unanswered(requestId);
    if (open.length === 0) return;
    const names = open.map((e) => `${e.name} (${e.state === 'pending' ? 'no answer yet' : 'failed'})`).join(', ');
    throw new AppError('invalid_state', `Every data system must answer first: ${names}.`);
  }

  /** Whether any row still waits (an objection then stays open instead of completing by itself). */
  async waiting(requestId: number): Promise<boolean> {
    return (await this.unanswered(requestId)).length > 0;
  }

  /** Rows with no answer yet, or whose system reported a failure. */
  private async unanswered(requestId: number): Promise<RequestSystemRow[]> {
    return (await this.repo.entries(requestId)).filter((e) => e.state === 'pending' || e.state === 'failed');
  }

  /** What the systems gave back for an access request, for its export. */
  async accessData(requestId: number): Promise<Array<{ system: string; outcome: string; data: unknown }>> {
    return (await this.repo.entries(requestId)).map((e) => ({
      system: e.name,
      outcome: e.state,
      data: e.dataJson ? (JSON.parse(e.dataJson) as unknown) : null,
    }));
  }

  async closed(requestId: number): Promise<void> {
    await this.repo.clear(requestId);
  }

  /** Mails to the owners of systems whose answer is missing close to the deadline; each row at most daily. */
  async remind(): Promise<Array<{ requestId: number; mail: OutgoingMail }>> {
    const now = this.clock.now();
    const due: Array<{ requestId: number; mail: OutgoingMail }> = [];
    for (const row of await this.repo.toRemind(now + REMIND_BEFORE_MS, now - REMIND_EVERY_MS)) {
      await this.repo.reminded(row.id, now);
      due.push({
        requestId: row.requestId,
        mail: { to: row.ownerEmail, ...mailTemplates.systemReminder({ system: row.name, reference: row.reference, dueAt: row.dueAt }) },
      });
    }
    return due;
  }

  async entries(requestId: number): Promise<RequestSystemDto[]> {
    return (await this.repo.entries(requestId)).map(toEntryDto);
  }
}

export function toSystemDto(row: DataSystemRow): DataSystemDto {
  const { secret: _secret, ...dto } = row;
  return dto;
}

export function toEntryDto(row: RequestSystemRow): RequestSystemDto {
  return {
    id: row.id,
    systemId: row.systemId,
    name: row.name,
    kind: row.kind,
    state: row.state,
    legalBasis: row.legalBasis,
    note: row.note,
    counts: row.countsJson ? (JSON.parse(row.countsJson) as Record<string, number>) : null,
    answeredBy: row.answeredBy,
    answeredAt: row.answeredAt,
    deliveryError: row.deliveryError,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    assigneeId: row.kind === 'manual' ? row.assigneeId : null,
  };
}

export function toVisitorSystemDto(row: RequestSystemRow): VisitorSystemDto {
  return { name: row.name, state: row.state, legalBasis: row.legalBasis };
}

import { type DataSystemRow, type RequestSystemRow, type SystemFields, toSystem } from '../../repositories/data-system-repository';
import type { DataSystemStore } from '../../store';
import type { Queryable } from '../queryable';

const SYSTEM = `SELECT id, name, purpose, request_types AS "requestTypes", owner_email AS "ownerEmail", kind, webhook_url AS "webhookUrl",
  secret, contact_email AS "contactEmail", assignee_id AS "assigneeId", created_at AS "createdAt" FROM data_systems`;
const ENTRY_COLUMNS = `e.id, e.request_id AS "requestId", e.system_id AS "systemId", e.receipt_id AS "receiptId", e.name, e.kind, e.state,
  e.legal_basis AS "legalBasis", e.note, e.counts_json AS "countsJson", e.data_json AS "dataJson", e.answered_by AS "answeredBy",
  e.answered_at AS "answeredAt", e.link_hash AS "linkHash", e.link_expires_at AS "linkExpiresAt", e.attempts,
  e.next_attempt_at AS "nextAttemptAt", e.delivery_error AS "deliveryError", e.reminded_at AS "remindedAt", e.created_at AS "createdAt",
  s.assignee_id AS "assigneeId"`;
const ENTRY = `SELECT ${ENTRY_COLUMNS} FROM request_systems e JOIN data_systems s ON s.id = e.system_id`;

// SQLite's `name COLLATE NOCASE`, exactly: ASCII letters folded (lower() under "C" folds nothing else),
// then compared byte by byte.
const LIST = `${SYSTEM} WHERE archived_at IS NULL ORDER BY lower(name COLLATE "C"), id`;
// Archived systems too: requests they were asked about still name them.
const BY_ID = `${SYSTEM} WHERE id = $1`;
const INSERT = `INSERT INTO data_systems (name, purpose, request_types, owner_email, kind, webhook_url, secret, contact_email, assignee_id, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`;
const UPDATE = `UPDATE data_systems SET name = $1, purpose = $2, request_types = $3, owner_email = $4, kind = $5,
    webhook_url = $6, contact_email = $7, assignee_id = $8 WHERE id = $9 AND archived_at IS NULL`;
const ARCHIVE = `UPDATE data_systems SET archived_at = $1 WHERE id = $2 AND archived_at IS NULL`;
const INSERT_ENTRY = `INSERT INTO request_systems (request_id, system_id, receipt_id, name, kind, link_hash, link_expires_at, next_attempt_at, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`;
const ENTRIES = `${ENTRY} WHERE e.request_id = $1 ORDER BY e.id`;
const ENTRY_BY_ID = `${ENTRY} WHERE e.id = $1`;
const BY_RECEIPT = `${ENTRY} WHERE e.receipt_id = $1`;
const ANSWER = `UPDATE request_systems SET state = $1, legal_basis = $2, note = $3, counts_json = $4,
    data_json = $5, answered_by = $6, answered_at = $7, link_hash = NULL, next_attempt_at = NULL,
    delivery_error = NULL WHERE id = $8`;
const DELIVERY = `UPDATE request_systems SET attempts = $1, next_attempt_at = $2, delivery_error = $3 WHERE id = $4 AND state = 'pending'`;
// Ties on the time in id order, as SQLite walks its index. Called in a transaction, the rows stay locked
// to its end and another node's job skips them (SKIP LOCKED), so two nodes never deliver one row at once;
// on the pool the statement is its own transaction and this is a plain read, as in SQLite.
const DUE = `${ENTRY} WHERE e.state = 'pending' AND e.next_attempt_at IS NOT NULL AND e.next_attempt_at <= $1
  ORDER BY e.next_attempt_at, e.id LIMIT 50 FOR UPDATE OF e SKIP LOCKED`;
const REMIND = `UPDATE request_systems SET reminded_at = $1 WHERE id = $2`;
const TO_REMIND = `SELECT e.id, e.name, e.request_id AS "requestId", r.reference, r.due_at AS "dueAt", s.owner_email AS "ownerEmail"
    FROM request_systems e JOIN privacy_requests r ON r.id = e.request_id JOIN data_systems s ON s.id = e.system_id
   WHERE e.state = 'pending' AND r.due_at IS NOT NULL AND r.due_at <= $1
     AND (e.reminded_at IS NULL OR e.reminded_at <= $2) ORDER BY r.due_at, e.id LIMIT 100`;
const CLEAR = `UPDATE request_systems SET data_json = NULL, link_hash = NULL, next_attempt_at = NULL WHERE request_id = $1`;

/** The leading parameters INSERT and UPDATE share, in their order: name to webhook URL (request types as JSON text). */
function describedBy(fields: Omit<SystemFields, 'secret'>): unknown[] {
  return [fields.name, fields.purpose, JSON.stringify(fields.requestTypes), fields.ownerEmail, fields.kind, fields.webhookUrl];
}

type Reminder = { id: number; name: string; requestId: number; reference: string; dueAt: number; ownerEmail: string };

/**
 * The register of data systems and each request's rows (one per system it concerns) in PostgreSQL; the
 * twin of the SQLite DataSystemRepository. request_types is the JSON text SQLite keeps, read by its toSystem.
 */
export class PgDataSystemRepository implements DataSystemStore {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<DataSystemRow[]> {
    return (await this.db.query<Record<string, unknown>>({ name: 'data-system-list', text: LIST })).rows.map(toSystem);
  }

  async byId(id: number): Promise<DataSystemRow | null> {
    const row = (await this.db.query<Record<string, unknown>>({ name: 'data-system-by-id', text: BY_ID, values: [id] })).rows[0];
    return row ? toSystem(row) : null;
  }

  async insert(fields: SystemFields, createdAt: number): Promise<number> {
    const values = [...describedBy(fields), fields.secret, fields.contactEmail, fields.assigneeId, createdAt];
    return (await this.db.query<{ id: number }>({ name: 'data-system-insert', text: INSERT, values })).rows[0].id;
  }

  async update(id: number, fields: Omit<SystemFields, 'secret'>): Promise<boolean> {
    const values = [...describedBy(fields), fields.contactEmail, fields.assigneeId, id];
    return (await this.db.query({ name: 'data-system-update', text: UPDATE, values })).rowCount === 1;
  }

  /** Archived, not deleted: requests' rows keep pointing at it, and its name stays on them. */
  async archive(id: number, now: number): Promise<boolean> {
    return (await this.db.query({ name: 'data-system-archive', text: ARCHIVE, values: [now, id] })).rowCount === 1;
  }

  async addEntry(
    entry: Pick<
      RequestSystemRow,
      'requestId' | 'systemId' | 'receiptId' | 'name' | 'kind' | 'linkHash' | 'linkExpiresAt' | 'nextAttemptAt' | 'createdAt'
    >,
  ): Promise<number> {
    const values: unknown[] = [
      entry.requestId,
      entry.systemId,
      entry.receiptId,
      entry.name,
      entry.kind,
      entry.linkHash,
      entry.linkExpiresAt,
    ];
    values.push(entry.nextAttemptAt, entry.createdAt);
    return (await this.db.query<{ id: number }>({ name: 'data-system-insert-entry', text: INSERT_ENTRY, values })).rows[0].id;
  }

  async entries(requestId: number): Promise<RequestSystemRow[]> {
    return (await this.db.query<RequestSystemRow>({ name: 'data-system-entries', text: ENTRIES, values: [requestId] })).rows;
  }

  async entry(id: number): Promise<RequestSystemRow | null> {
    return (await this.db.query<RequestSystemRow>({ name: 'data-system-entry', text: ENTRY_BY_ID, values: [id] })).rows[0] ?? null;
  }

  async byReceipt(receiptId: string): Promise<RequestSystemRow | null> {
    const { rows } = await this.db.query<RequestSystemRow>({ name: 'data-system-by-receipt', text: BY_RECEIPT, values: [receiptId] });
    return rows[0] ?? null;
  }

  async answer(
    id: number,
    answer: Pick<RequestSystemRow, 'state' | 'legalBasis' | 'note' | 'countsJson' | 'dataJson' | 'answeredBy' | 'answeredAt'>,
  ): Promise<void> {
    const values: unknown[] = [answer.state, answer.legalBasis, answer.note, answer.countsJson, answer.dataJson, answer.answeredBy];
    values.push(answer.answeredAt, id);
    await this.db.query({ name: 'data-system-answer', text: ANSWER, values });
  }

  async delivery(id: number, attempt: Pick<RequestSystemRow, 'attempts' | 'nextAttemptAt' | 'deliveryError'>): Promise<void> {
    const values: unknown[] = [attempt.attempts, attempt.nextAttemptAt, attempt.deliveryError, id];
    await this.db.query({ name: 'data-system-delivery', text: DELIVERY, values });
  }

  /** Webhook rows whose (next) delivery is due (see DUE). */
  async due(now: number): Promise<RequestSystemRow[]> {
    return (await this.db.query<RequestSystemRow>({ name: 'data-system-due', text: DUE, values: [now] })).rows;
  }

  /** Pending rows of requests due before `horizon`, not reminded since `since`. */
  async toRemind(horizon: number, since: number): Promise<Reminder[]> {
    return (await this.db.query<Reminder>({ name: 'data-system-to-remind', text: TO_REMIND, values: [horizon, since] })).rows;
  }

  async reminded(id: number, now: number): Promise<void> {
    await this.db.query({ name: 'data-system-reminded', text: REMIND, values: [now, id] });
  }

  /** A closed request keeps its rows' outcomes as proof; the returned data, links and retries go. */
  async clear(requestId: number): Promise<void> {
    await this.db.query({ name: 'data-system-clear', text: CLEAR, values: [requestId] });
  }
}

import type { RequestState, RequestType } from '../../../../shared/privacy';
import type { NewRequest, PrivacyRequestRow } from '../../repositories/privacy-repository';
import type { PrivacyStore } from '../../store';
import type { Queryable } from '../queryable';

/**
 * The class key of the advisory locks on one requester's open requests ("cw-p" in ASCII); the object key
 * is the first four bytes of the requester's keyed e-mail hash (a key space apart from one-key locks).
 */
export const PRIVACY_REQUESTER_LOCK = 0x63772d70;

const COLUMNS = `id, reference, type, state, jurisdiction, source, email, email_hash AS "emailHash", name, details, lang,
  visitor_id AS "visitorId", duplicate_of AS "duplicateOf", received_at AS "receivedAt", verified_at AS "verifiedAt",
  ack_due_at AS "ackDueAt", due_at AS "dueAt", extended, extension_reason AS "extensionReason",
  rejection_reason AS "rejectionReason", retained_note AS "retainedNote", result_json AS "resultJson",
  completed_at AS "completedAt", updated_at AS "updatedAt"`;

// The id is drawn first so the row goes in with its reference in one statement: no reader ever sees a
// request without one (SQLite's insert-then-update runs inside its one writer's transaction).
const NEXT_ID = `SELECT nextval(pg_get_serial_sequence('privacy_requests', 'id')) AS id`;
const INSERT = `INSERT INTO privacy_requests (id, reference, type, state, jurisdiction, source, email, email_hash, name, details, lang,
    visitor_id, received_at, updated_at)
  VALUES ($1, $2, $3, 'awaiting_verification', $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
  RETURNING ${COLUMNS}`;
const BY_ID = `SELECT ${COLUMNS} FROM privacy_requests WHERE id = $1`;
const SAVE = `UPDATE privacy_requests SET type = $1, state = $2, email = $3, name = $4, details = $5, visitor_id = $6, duplicate_of = $7,
    verified_at = $8, ack_due_at = $9, due_at = $10, extended = $11, extension_reason = $12, rejection_reason = $13,
    retained_note = $14, result_json = $15, completed_at = $16, updated_at = $17
  WHERE id = $18`;
// As SQLite orders them: open first, then by due date with no date last, then the newest.
const LIST = `SELECT ${COLUMNS} FROM privacy_requests
  WHERE duplicate_of IS NULL AND ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR type = $2)
  ORDER BY CASE WHEN state IN ('verified', 'in_progress', 'awaiting_verification') THEN 0 ELSE 1 END,
           due_at IS NULL, due_at, id DESC
  LIMIT 1000`;
const ALL = `SELECT ${COLUMNS} FROM privacy_requests ORDER BY id`;
const REQUESTER_LOCK = `SELECT pg_advisory_xact_lock($1, ('x' || encode(substring($2::bytea FROM 1 FOR 4), 'hex'))::bit(32)::integer)`;
const DUPLICATE = `SELECT ${COLUMNS} FROM privacy_requests
  WHERE email_hash = $1 AND type = $2 AND id <> $3 AND state IN ('verified', 'in_progress') ORDER BY id LIMIT 1`;
const ADD_WATCHER = `INSERT INTO privacy_request_watchers (token_hash, request_id) VALUES ($1, $2)`;
const BY_WATCHER = `SELECT ${COLUMNS} FROM privacy_requests
  WHERE id = (SELECT request_id FROM privacy_request_watchers WHERE token_hash = $1)`;
const SUPPRESS = `INSERT INTO marketing_suppressions (email_hash, request_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`;
const BY_REFERENCE = `SELECT ${COLUMNS} FROM privacy_requests WHERE reference = $1`;
const BY_EMAIL_HASH = `SELECT ${COLUMNS} FROM privacy_requests WHERE email_hash = $1 ORDER BY id`;
const AWAITING_SINCE = `SELECT ${COLUMNS} FROM privacy_requests WHERE state = 'awaiting_verification' AND received_at < $1 ORDER BY id`;
const LOCK = ' FOR UPDATE';

/**
 * Privacy requests and the status tokens that follow them, in PostgreSQL; the twin of the SQLite
 * PrivacyRepository. A request changes state by read, check, `save`: SQLite's one writer makes that safe,
 * PostgreSQL's concurrent writers do not (two could both move one request on from the state they read).
 * Bound to a write transaction with `lockForWrite`, every read of requests to change (byId, byReference,
 * byWatcher, awaitingSince) takes their row locks to COMMIT, so a second writer waits and then reads
 * the state the first committed (READ COMMITTED checks the WHERE again on a row it waited for: a request
 * verified meanwhile is no longer awaitingSince's); and openDuplicate takes the requester's advisory lock,
 * so two of one requester's requests verified at once cannot both find no open duplicate.
 */
export class PgPrivacyRepository implements PrivacyStore {
  /** `lockForWrite`: `db` is a client inside a write transaction (see the class comment); reads on the pool leave it off. */
  constructor(
    private readonly db: Queryable,
    private readonly options: { lockForWrite?: boolean } = {},
  ) {}

  private async rows(name: string, text: string, values: unknown[], lockable = false): Promise<PrivacyRequestRow[]> {
    const lock = lockable && this.options.lockForWrite === true;
    const query = { name: lock ? `${name}-locked` : name, text: lock ? text + LOCK : text, values };
    return (await this.db.query<PrivacyRequestRow>(query)).rows;
  }

  async insert(input: NewRequest, reference: (id: number) => string): Promise<PrivacyRequestRow> {
    const { id } = (await this.db.query<{ id: number }>({ name: 'privacy-next-id', text: NEXT_ID })).rows[0];
    const values = [id, reference(id), input.type, input.jurisdiction, input.source, input.email, input.emailHash, input.name];
    values.push(input.details, input.lang, input.visitorId, input.receivedAt);
    return (await this.rows('privacy-insert', INSERT, values))[0];
  }

  async byId(id: number): Promise<PrivacyRequestRow | null> {
    return (await this.rows('privacy-by-id', BY_ID, [id], true))[0] ?? null;
  }

  async save(row: PrivacyRequestRow): Promise<void> {
    const values = [row.type, row.state, row.email, row.name, row.details, row.visitorId, row.duplicateOf, row.verifiedAt];
    values.push(row.ackDueAt, row.dueAt, row.extended, row.extensionReason, row.rejectionReason, row.retainedNote);
    values.push(row.resultJson, row.completedAt, row.updatedAt, row.id);
    await this.db.query({ name: 'privacy-save', text: SAVE, values });
  }

  list(filter: { state?: RequestState; type?: RequestType }): Promise<PrivacyRequestRow[]> {
    return this.rows('privacy-list', LIST, [filter.state ?? null, filter.type ?? null]);
  }

  all(): Promise<PrivacyRequestRow[]> {
    return this.rows('privacy-all', ALL, []);
  }

  /** A verified or in-progress request of the same type for the same requester, other than `excludeId`. */
  async openDuplicate(emailHash: Buffer, type: RequestType, excludeId: number): Promise<PrivacyRequestRow | null> {
    if (this.options.lockForWrite === true) {
      await this.db.query({ name: 'privacy-requester-lock', text: REQUESTER_LOCK, values: [PRIVACY_REQUESTER_LOCK, emailHash] });
    }
    // A statement after the lock: READ COMMITTED sees the request the writer before this one verified.
    return (await this.rows('privacy-duplicate', DUPLICATE, [emailHash, type, excludeId]))[0] ?? null;
  }

  async addWatcher(tokenHash: Buffer, requestId: number): Promise<void> {
    await this.db.query({ name: 'privacy-add-watcher', text: ADD_WATCHER, values: [tokenHash, requestId] });
  }

  async byWatcher(tokenHash: Buffer): Promise<PrivacyRequestRow | null> {
    return (await this.rows('privacy-by-watcher', BY_WATCHER, [tokenHash], true))[0] ?? null;
  }

  async suppressMarketing(emailHash: Buffer, requestId: number, now: number): Promise<void> {
    await this.db.query({ name: 'privacy-suppress', text: SUPPRESS, values: [emailHash, requestId, now] });
  }

  async byReference(reference: string): Promise<PrivacyRequestRow | null> {
    return (await this.rows('privacy-by-reference', BY_REFERENCE, [reference], true))[0] ?? null;
  }

  byEmailHash(emailHash: Buffer): Promise<PrivacyRequestRow[]> {
    return this.rows('privacy-by-email-hash', BY_EMAIL_HASH, [emailHash]);
  }

  awaitingSince(before: number): Promise<PrivacyRequestRow[]> {
    return this.rows('privacy-awaiting-since', AWAITING_SINCE, [before], true);
  }
}

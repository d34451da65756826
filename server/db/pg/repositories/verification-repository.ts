import type { VerificationRow } from '../../repositories/verification-repository';
import type { VerificationStore } from '../../store';
import type { Queryable } from '../queryable';

/**
 * The class key of the advisory locks on one address's send log ("cw-v" in ASCII); the object key is the
 * first four bytes of the address's keyed hash. Two-key advisory locks are a key space of their own, apart
 * from the one-key locks of the audit chain and the migrations.
 */
export const VERIFICATION_SENDS_LOCK = 0x63772d76;

const COLUMNS = `id, request_id AS "requestId", kind, secret_hash AS "secretHash", email_hash AS "emailHash", attempts, sends,
  created_at AS "createdAt", expires_at AS "expiresAt", consumed_at AS "consumedAt"`;

const INSERT = `INSERT INTO verifications (id, request_id, kind, secret_hash, email_hash, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const BY_ID = `SELECT ${COLUMNS} FROM verifications WHERE id = $1`;
const LOCK = ' FOR UPDATE';
// One statement each: a counter moved in place and a use that only the first of two racing callers wins
// (the second waits for the first's row lock, then finds consumed_at set and changes nothing).
const ATTEMPT = `UPDATE verifications SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`;
const CONSUME = `UPDATE verifications SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL`;
const RENEW = `UPDATE verifications SET secret_hash = $1, expires_at = $2, attempts = 0, sends = sends + 1 WHERE id = $3`;
const LOG_SEND = `INSERT INTO verification_sends (email_hash, sent_at) VALUES ($1, $2)`;
const SENDS_LOCK = `SELECT pg_advisory_xact_lock($1, ('x' || encode(substring($2::bytea FROM 1 FOR 4), 'hex'))::bit(32)::integer)`;
const SENDS_SINCE = `SELECT count(*) AS n FROM verification_sends WHERE email_hash = $1 AND sent_at > $2`;
const CONSUME_FOR_REQUEST = `UPDATE verifications SET consumed_at = $1 WHERE request_id = $2 AND consumed_at IS NULL`;

/**
 * One-time codes and links that prove a requester holds an e-mail address, and the send log, in
 * PostgreSQL; the twin of the SQLite VerificationRepository. The service checks a verification, then uses
 * or renews it, and counts an address's sends, then logs one: SQLite's one writer makes those
 * check-then-write steps safe, PostgreSQL's concurrent writers do not. Bound to a write transaction with
 * `lockForWrite`, byId takes the verification's row lock and sendsSince the address's advisory lock (both
 * kept to COMMIT), so a second writer on the same verification or address waits and then sees what the
 * first committed.
 */
export class PgVerificationRepository implements VerificationStore {
  /** `lockForWrite`: `db` is a client inside a write transaction (see the class comment); reads on the pool leave it off. */
  constructor(
    private readonly db: Queryable,
    private readonly options: { lockForWrite?: boolean } = {},
  ) {}

  async insert(row: Omit<VerificationRow, 'attempts' | 'sends' | 'consumedAt'>): Promise<void> {
    const values = [row.id, row.requestId, row.kind, row.secretHash, row.emailHash, row.createdAt, row.expiresAt];
    await this.db.query({ name: 'verification-insert', text: INSERT, values });
  }

  async byId(id: string): Promise<VerificationRow | null> {
    const lock = this.options.lockForWrite === true;
    const { rows } = await this.db.query<VerificationRow>({
      name: `verification-by-id${lock ? '-locked' : ''}`,
      text: lock ? BY_ID + LOCK : BY_ID,
      values: [id],
    });
    return rows[0] ?? null;
  }

  /** Counts a wrong try; returns the tries so far. */
  async countAttempt(id: string): Promise<number> {
    return (await this.db.query<{ attempts: number }>({ name: 'verification-attempt', text: ATTEMPT, values: [id] })).rows[0].attempts;
  }

  /** Marks it used; false when someone else already used it. */
  async consume(id: string, now: number): Promise<boolean> {
    return (await this.db.query({ name: 'verification-consume', text: CONSUME, values: [now, id] })).rowCount === 1;
  }

  async consumeAllFor(requestId: number, now: number): Promise<void> {
    await this.db.query({ name: 'verification-consume-for-request', text: CONSUME_FOR_REQUEST, values: [now, requestId] });
  }

  /** A resend: a new secret replaces the old one (which stops working) and the clock restarts. */
  async renew(id: string, secretHash: Buffer, expiresAt: number): Promise<void> {
    await this.db.query({ name: 'verification-renew', text: RENEW, values: [secretHash, expiresAt, id] });
  }

  async logSend(emailHash: Buffer, now: number): Promise<void> {
    await this.db.query({ name: 'verification-log-send', text: LOG_SEND, values: [emailHash, now] });
  }

  async sendsSince(emailHash: Buffer, since: number): Promise<number> {
    if (this.options.lockForWrite === true) {
      await this.db.query({ name: 'verification-sends-lock', text: SENDS_LOCK, values: [VERIFICATION_SENDS_LOCK, emailHash] });
    }
    // A statement after the lock: READ COMMITTED counts the sends the writer before this one committed.
    const { rows } = await this.db.query<{ n: number }>({
      name: 'verification-sends-since',
      text: SENDS_SINCE,
      values: [emailHash, since],
    });
    return rows[0].n;
  }
}

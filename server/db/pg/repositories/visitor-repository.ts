import type { Lang } from '../../../../shared/types';
import type { VisitorRow } from '../../repositories/visitor-repository';
import type { VisitorStore } from '../../store';
import type { Queryable } from '../queryable';

const COLUMNS = `id, label, lang, email, name, email_verified AS "emailVerified", marketing_consent AS "marketingConsent",
  created_at AS "createdAt", last_seen_at AS "lastSeenAt"`;

// Named statements: each connection parses and plans them once.
const INSERT = `INSERT INTO visitors (token_hash, label, lang, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4) RETURNING ${COLUMNS}`;
const BY_TOKEN = `SELECT ${COLUMNS} FROM visitors WHERE token_hash = $1`;
const BY_ID = `SELECT ${COLUMNS} FROM visitors WHERE id = $1`;
const TOUCH = `UPDATE visitors SET last_seen_at = $1, lang = coalesce($2, lang) WHERE id = $3`;
const IDENTIFY = `UPDATE visitors SET email = $1, name = coalesce($2, name), email_verified = $3 WHERE id = $4`;
// email is case_insensitive: = ignores case, as SQLite's NOCASE column does.
const IDS_BY_EMAIL = `SELECT id FROM visitors WHERE email = $1 ORDER BY id`;
const EMAILS = `SELECT id, email FROM visitors WHERE email IS NOT NULL ORDER BY id`;
const DELETE = `DELETE FROM visitors WHERE id = $1`;
const WITHDRAW_CONSENT = `UPDATE visitors SET marketing_consent = 0 WHERE email = $1`;

type Raw = Omit<VisitorRow, 'emailVerified' | 'marketingConsent'> & { emailVerified: number; marketingConsent: number };

function toRow(raw: Raw | undefined): VisitorRow | null {
  return raw ? { ...raw, emailVerified: raw.emailVerified === 1, marketingConsent: raw.marketingConsent === 1 } : null;
}

/** Visitors in PostgreSQL, found only by the hash of their token; the twin of the SQLite VisitorRepository. */
export class PgVisitorRepository implements VisitorStore {
  constructor(private readonly db: Queryable) {}

  async create(tokenHash: Buffer, label: string, lang: Lang | null, now: number): Promise<VisitorRow> {
    const { rows } = await this.db.query<Raw>({ name: 'visitor-insert', text: INSERT, values: [tokenHash, label, lang, now] });
    return toRow(rows[0])!;
  }

  async findByTokenHash(tokenHash: Buffer): Promise<VisitorRow | null> {
    return toRow((await this.db.query<Raw>({ name: 'visitor-by-token', text: BY_TOKEN, values: [tokenHash] })).rows[0]);
  }

  async findById(id: number): Promise<VisitorRow | null> {
    return toRow((await this.db.query<Raw>({ name: 'visitor-by-id', text: BY_ID, values: [id] })).rows[0]);
  }

  async touch(id: number, lang: Lang | null, now: number): Promise<void> {
    await this.db.query({ name: 'visitor-touch', text: TOUCH, values: [now, lang, id] });
  }

  async setIdentity(id: number, email: string, name: string | null, verified: boolean): Promise<void> {
    await this.db.query({ name: 'visitor-identify', text: IDENTIFY, values: [email, name, verified ? 1 : 0, id] });
  }

  /** Ids of visitors whose stored contact e-mail is `email` (compared without case), in id order. */
  async idsByEmail(email: string): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>({ name: 'visitor-ids-by-email', text: IDS_BY_EMAIL, values: [email] });
    return rows.map((r) => r.id);
  }

  /** Every visitor's stored contact address (to match keyed hashes against, after a restore). */
  async emails(): Promise<Array<{ id: number; email: string }>> {
    return (await this.db.query<{ id: number; email: string }>({ name: 'visitor-emails', text: EMAILS })).rows;
  }

  async delete(id: number): Promise<number> {
    return (await this.db.query({ name: 'visitor-delete', text: DELETE, values: [id] })).rowCount ?? 0;
  }

  async withdrawMarketingConsent(email: string): Promise<number> {
    return (await this.db.query({ name: 'visitor-withdraw-consent', text: WITHDRAW_CONSENT, values: [email] })).rowCount ?? 0;
  }
}

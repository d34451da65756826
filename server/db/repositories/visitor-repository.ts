import type { Db } from '../open';
import type { Lang } from '../../../shared/types';

export interface VisitorRow {
  id: number;
  label: string;
  lang: Lang | null;
  email: string | null;
  name: string | null;
  emailVerified: boolean;
  marketingConsent: boolean;
  createdAt: number;
  lastSeenAt: number;
}

const COLUMNS = `id, label, lang, email, name, email_verified AS emailVerified, marketing_consent AS marketingConsent,
  created_at AS createdAt, last_seen_at AS lastSeenAt`;

type Raw = Omit<VisitorRow, 'emailVerified' | 'marketingConsent'> & { emailVerified: number; marketingConsent: number };

function toRow(raw: Raw | undefined): VisitorRow | null {
  return raw ? { ...raw, emailVerified: raw.emailVerified === 1, marketingConsent: raw.marketingConsent === 1 } : null;
}

/** Visitors, found only by the hash of their token. */
export class VisitorRepository {
  private readonly insertStmt;
  private readonly byTokenStmt;
  private readonly byIdStmt;
  private readonly touchStmt;
  private readonly identifyStmt;
  private readonly byEmailStmt;
  private readonly deleteStmt;
  private readonly withdrawConsentStmt;

  private readonly emailsStmt;

  constructor(db: Db) {
    this.emailsStmt = db.prepare(`SELECT id, email FROM visitors WHERE email IS NOT NULL`);
    this.insertStmt = db.prepare(`INSERT INTO visitors (token_hash, label, lang, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`);
    this.byTokenStmt = db.prepare(`SELECT ${COLUMNS} FROM visitors WHERE token_hash = ?`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM visitors WHERE id = ?`);
    this.touchStmt = db.prepare(`UPDATE visitors SET last_seen_at = ?, lang = coalesce(?, lang) WHERE id = ?`);
    this.identifyStmt = db.prepare(`UPDATE visitors SET email = ?, name = coalesce(?, name), email_verified = ? WHERE id = ?`);
    this.byEmailStmt = db.prepare(`SELECT id FROM visitors WHERE email = ?`).pluck();
    this.deleteStmt = db.prepare(`DELETE FROM visitors WHERE id = ?`);
    this.withdrawConsentStmt = db.prepare(`UPDATE visitors SET marketing_consent = 0 WHERE email = ?`);
  }

  create(tokenHash: Buffer, label: string, lang: Lang | null, now: number): VisitorRow {
    const info = this.insertStmt.run(tokenHash, label, lang, now, now);
    return this.findById(Number(info.lastInsertRowid))!;
  }

  findByTokenHash(tokenHash: Buffer): VisitorRow | null {
    return toRow(this.byTokenStmt.get(tokenHash) as Raw | undefined);
  }

  findById(id: number): VisitorRow | null {
    return toRow(this.byIdStmt.get(id) as Raw | undefined);
  }

  touch(id: number, lang: Lang | null, now: number): void {
    this.touchStmt.run(now, lang, id);
  }

  setIdentity(id: number, email: string, name: string | null, verified: boolean): void {
    this.identifyStmt.run(email, name, verified ? 1 : 0, id);
  }

  /** Ids of visitors whose stored contact e-mail is `email` (compared without case). */
  idsByEmail(email: string): number[] {
    return this.byEmailStmt.all(email) as number[];
  }

  /** Every visitor's stored contact address (to match keyed hashes against, after a restore). */
  emails(): Array<{ id: number; email: string }> {
    return this.emailsStmt.all() as Array<{ id: number; email: string }>;
  }

  delete(id: number): number {
    return this.deleteStmt.run(id).changes;
  }

  withdrawMarketingConsent(email: string): number {
    return this.withdrawConsentStmt.run(email).changes;
  }
}

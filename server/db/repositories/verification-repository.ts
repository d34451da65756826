import type { Db } from '../open';

export interface VerificationRow {
  id: string;
  requestId: number;
  kind: 'code' | 'link';
  secretHash: Buffer;
  emailHash: Buffer;
  attempts: number;
  sends: number;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

const COLUMNS = `id, request_id AS requestId, kind, secret_hash AS secretHash, email_hash AS emailHash, attempts, sends,
  created_at AS createdAt, expires_at AS expiresAt, consumed_at AS consumedAt`;

/** One-time codes and links that prove a requester holds an e-mail address, and the send log. */
export class VerificationRepository {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly attemptStmt;
  private readonly consumeStmt;
  private readonly renewStmt;
  private readonly logSendStmt;
  private readonly sendsSinceStmt;
  private readonly consumeForRequestStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO verifications (id, request_id, kind, secret_hash, email_hash, created_at, expires_at)
       VALUES (@id, @requestId, @kind, @secretHash, @emailHash, @createdAt, @expiresAt)`,
    );
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM verifications WHERE id = ?`);
    this.attemptStmt = db.prepare(`UPDATE verifications SET attempts = attempts + 1 WHERE id = ? RETURNING attempts`).pluck();
    this.consumeStmt = db.prepare(`UPDATE verifications SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL`);
    this.renewStmt = db.prepare(`UPDATE verifications SET secret_hash = ?, expires_at = ?, attempts = 0, sends = sends + 1 WHERE id = ?`);
    this.logSendStmt = db.prepare(`INSERT INTO verification_sends (email_hash, sent_at) VALUES (?, ?)`);
    this.sendsSinceStmt = db.prepare(`SELECT count(*) FROM verification_sends WHERE email_hash = ? AND sent_at > ?`).pluck();
    this.consumeForRequestStmt = db.prepare(`UPDATE verifications SET consumed_at = ? WHERE request_id = ? AND consumed_at IS NULL`);
  }

  insert(row: Omit<VerificationRow, 'attempts' | 'sends' | 'consumedAt'>): void {
    this.insertStmt.run(row);
  }

  byId(id: string): VerificationRow | null {
    return (this.byIdStmt.get(id) as VerificationRow | undefined) ?? null;
  }

  /** Counts a wrong try; returns the tries so far. */
  countAttempt(id: string): number {
    return this.attemptStmt.get(id) as number;
  }

  /** Marks it used; false when someone else already used it. */
  consume(id: string, now: number): boolean {
    return this.consumeStmt.run(now, id).changes === 1;
  }

  consumeAllFor(requestId: number, now: number): void {
    this.consumeForRequestStmt.run(now, requestId);
  }

  /** A resend: a new secret replaces the old one (which stops working) and the clock restarts. */
  renew(id: string, secretHash: Buffer, expiresAt: number): void {
    this.renewStmt.run(secretHash, expiresAt, id);
  }

  logSend(emailHash: Buffer, now: number): void {
    this.logSendStmt.run(emailHash, now);
  }

  sendsSince(emailHash: Buffer, since: number): number {
    return this.sendsSinceStmt.get(emailHash, since) as number;
  }
}

import type { Db } from '../open';

/** One-time download links for access-request exports. */
export class ExportRepository {
  private readonly insertStmt;
  private readonly readStmt;
  private readonly consumeStmt;
  private readonly consumeTx;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO data_exports (token_hash, request_id, payload, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
    );
    this.readStmt = db.prepare(
      `SELECT request_id AS requestId, payload FROM data_exports WHERE token_hash = ? AND consumed_at IS NULL AND expires_at > ?`,
    );
    // The payload is dropped as it is handed out: a second download finds nothing.
    this.consumeStmt = db.prepare(`UPDATE data_exports SET consumed_at = ?, payload = '' WHERE token_hash = ?`);
    this.consumeTx = db.transaction((tokenHash: Buffer, now: number) => {
      const row = this.readStmt.get(tokenHash, now) as { requestId: number; payload: string } | undefined;
      if (row) this.consumeStmt.run(now, tokenHash);
      return row ?? null;
    });
  }

  insert(tokenHash: Buffer, requestId: number, payload: string, now: number, expiresAt: number): void {
    this.insertStmt.run(tokenHash, requestId, payload, now, expiresAt);
  }

  consume(tokenHash: Buffer, now: number): { requestId: number; payload: string } | null {
    // IMMEDIATE: it reads then writes, and must wait for (not fail on) another connection's write lock.
    return this.consumeTx.immediate(tokenHash, now);
  }
}

import type { Db } from '../open';

/** A visitor's replies waiting to be mailed (migration 13). */
export interface OfflineReplyRow {
  visitorId: number;
  /** The first operator reply the mail starts from. */
  fromSeq: number;
  dueAt: number;
  /** Mails that failed so far. */
  attempts: number;
}

/** Operator replies waiting to go to visitors by e-mail: at most one row per visitor. */
export class OfflineReplyRepository {
  private readonly queueStmt;
  private readonly allStmt;
  private readonly ofStmt;
  private readonly removeStmt;
  private readonly retryStmt;
  private readonly claimStmt;

  constructor(db: Db) {
    // The first waiting reply wins: a later one travels in the same mail.
    this.queueStmt = db.prepare(
      `INSERT INTO offline_replies (visitor_id, from_seq, due_at) VALUES (?, ?, ?) ON CONFLICT (visitor_id) DO NOTHING`,
    );
    this.allStmt = db.prepare(
      `SELECT visitor_id AS visitorId, from_seq AS fromSeq, due_at AS dueAt, attempts FROM offline_replies ORDER BY due_at`,
    );
    this.ofStmt = db.prepare(
      `SELECT visitor_id AS visitorId, from_seq AS fromSeq, due_at AS dueAt, attempts FROM offline_replies WHERE visitor_id = ?`,
    );
    this.removeStmt = db.prepare(`DELETE FROM offline_replies WHERE visitor_id = ? AND from_seq = ?`);
    this.retryStmt = db.prepare(`UPDATE offline_replies SET attempts = attempts + 1, due_at = ? WHERE visitor_id = ? AND from_seq = ?`);
    this.claimStmt = db.prepare(`UPDATE offline_replies SET due_at = ? WHERE visitor_id = ? AND from_seq = ? AND due_at = ?`);
  }

  /** Starts a wait for this visitor unless one is running; true when this one started it. */
  queue(visitorId: number, fromSeq: number, dueAt: number): boolean {
    return this.queueStmt.run(visitorId, fromSeq, dueAt).changes > 0;
  }

  all(): OfflineReplyRow[] {
    return this.allStmt.all() as OfflineReplyRow[];
  }

  /** The visitor's wait, if one is running. */
  of(visitorId: number): OfflineReplyRow | null {
    return (this.ofStmt.get(visitorId) as OfflineReplyRow | undefined) ?? null;
  }

  /** Ends the wait that started from `fromSeq` (a newer one, started meanwhile, is left alone). */
  remove(visitorId: number, fromSeq: number): void {
    this.removeStmt.run(visitorId, fromSeq);
  }

  retryAt(visitorId: number, fromSeq: number, dueAt: number): void {
    this.retryStmt.run(dueAt, visitorId, fromSeq);
  }

  /**
   * Takes the wait for the one who scheduled it for `dueAt`, moving it to `until`: true for exactly one of
   * several who try with the same `dueAt` (the others find it moved); false when it ended or moved meanwhile.
   */
  claim(visitorId: number, fromSeq: number, dueAt: number, until: number): boolean {
    return this.claimStmt.run(until, visitorId, fromSeq, dueAt).changes > 0;
  }
}

import type { Lang } from '../../../shared/types';
import type { Db } from '../open';

/** Conversations whose visitor asked to have the transcript e-mailed when it is resolved (and in which language). */
export class TranscriptRepository {
  private readonly putStmt;
  private readonly getStmt;
  private readonly deleteStmt;

  constructor(db: Db) {
    this.putStmt = db.prepare(
      `INSERT INTO transcript_wishes (conversation_id, lang, created_at) VALUES (?, ?, ?)
       ON CONFLICT (conversation_id) DO UPDATE SET lang = excluded.lang`,
    );
    this.getStmt = db.prepare(`SELECT lang FROM transcript_wishes WHERE conversation_id = ?`).pluck();
    this.deleteStmt = db.prepare(`DELETE FROM transcript_wishes WHERE conversation_id = ?`);
  }

  wish(conversationRowId: number, lang: Lang, now: number): void {
    this.putStmt.run(conversationRowId, lang, now);
  }

  /** The language of the wish, or null when none is recorded. */
  wishFor(conversationRowId: number): Lang | null {
    return (this.getStmt.get(conversationRowId) as Lang | undefined) ?? null;
  }

  /** Forgets the wish; true when there was one (so only one caller sends the mail it asked for). */
  clear(conversationRowId: number): boolean {
    return this.deleteStmt.run(conversationRowId).changes > 0;
  }
}

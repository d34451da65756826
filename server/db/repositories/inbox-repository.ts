import type { Db } from '../open';
import type { SearchHitDto } from '../../../shared/types';

/** Per-operator read marks, unread counts, and full-text search over messages (FTS5, indexed in batches). */
export class InboxRepository {
  private readonly markReadStmt;
  private readonly unreadStmt;
  private readonly searchStmt;
  private readonly indexedUptoStmt;
  private readonly batchEndStmt;
  private readonly indexStmt;
  private readonly setIndexedStmt;
  private readonly unindexedStmt;

  constructor(db: Db) {
    // A read mark only moves forward: a late, stale "read up to 3" never undoes "read up to 9".
    this.markReadStmt = db.prepare(
      `INSERT INTO conversation_reads (operator_id, conversation_id, last_read_seq) VALUES (?, ?, ?)
       ON CONFLICT (operator_id, conversation_id) DO UPDATE SET last_read_seq = max(last_read_seq, excluded.last_read_seq)`,
    );
    this.unreadStmt = db.prepare(
      `SELECT c.public_id AS id, count(m.id) AS n
         FROM conversations c
         LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.operator_id = ?
         JOIN messages m ON m.conversation_id = c.id AND m.author = 'visitor' AND m.seq > coalesce(r.last_read_seq, 0)
        WHERE c.status = 'open'
        GROUP BY c.id`,
    );
    this.searchStmt = db.prepare(
      `SELECT c.public_id AS conversationId, v.label AS visitorLabel, c.status, m.seq, m.author,
              snippet(messages_fts, 0, char(57344), char(57345), '…', 12) AS snippet, m.created_at AS createdAt
         FROM messages_fts
         JOIN messages m ON m.id = messages_fts.rowid
         JOIN conversations c ON c.id = m.conversation_id
         JOIN visitors v ON v.id = c.visitor_id
        WHERE messages_fts MATCH ?
        ORDER BY rank, m.created_at DESC
        LIMIT ?`,
    );
    this.indexedUptoStmt = db.prepare(`SELECT indexed_upto FROM search_index_state WHERE id = 1`).pluck();
    this.batchEndStmt = db.prepare(`SELECT max(id) FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)`).pluck();
    this.indexStmt = db.prepare(`INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages WHERE id > ? AND id <= ?`);
    this.setIndexedStmt = db.prepare(`UPDATE search_index_state SET indexed_upto = ? WHERE id = 1`);
    this.unindexedStmt = db
      .prepare(`SELECT EXISTS (SELECT 1 FROM messages WHERE id > (SELECT indexed_upto FROM search_index_state WHERE id = 1))`)
      .pluck();
  }

  /** Whether any message waits to be indexed for search. */
  hasUnindexed(): boolean {
    return this.unindexedStmt.get() === 1;
  }

  /**
   * Adds up to `limit` messages not yet in the search index, oldest first (migration 14); returns how many.
   * Fewer than `limit` means the index has caught up.
   */
  indexNew(limit: number): number {
    const from = this.indexedUptoStmt.get() as number;
    const upto = this.batchEndStmt.get(from, limit) as number | null;
    if (upto === null) return 0;
    const added = this.indexStmt.run(from, upto).changes;
    this.setIndexedStmt.run(upto);
    return added;
  }

  markRead(operatorId: number, conversationRowId: number, seq: number): void {
    this.markReadStmt.run(operatorId, conversationRowId, seq);
  }

  /** Unread visitor messages per open conversation (public id → count), for one operator. */
  unread(operatorId: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.unreadStmt.all(operatorId) as Array<{ id: string; n: number }>) out[row.id] = row.n;
    return out;
  }

  /** `match` must already be a safe FTS5 query (see InboxService.ftsQuery). */
  search(match: string, limit: number): SearchHitDto[] {
    return this.searchStmt.all(match, limit) as SearchHitDto[];
  }
}

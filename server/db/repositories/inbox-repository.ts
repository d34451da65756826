import type { Db } from '../open';
import type { SearchHitDto } from '../../../shared/types';

/** Per-operator read marks, unread counts, and full-text search over messages (FTS5). */
export class InboxRepository {
  private readonly markReadStmt;
  private readonly unreadStmt;
  private readonly searchStmt;

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

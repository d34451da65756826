import type { SearchHitDto } from '../../../../shared/types';
import type { InboxStore } from '../../store';
import type { Queryable } from '../queryable';

// A read mark only moves forward: a late, stale "read up to 3" never undoes "read up to 9". One statement,
// so two marks at once (two tabs, two nodes) cannot interleave a read and a write.
const MARK_READ = `INSERT INTO conversation_reads (operator_id, conversation_id, last_read_seq) VALUES ($1, $2, $3)
  ON CONFLICT (operator_id, conversation_id)
  DO UPDATE SET last_read_seq = greatest(conversation_reads.last_read_seq, excluded.last_read_seq)`;
const UNREAD = `SELECT c.public_id AS id, count(m.id) AS n
    FROM conversations c
    LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.operator_id = $1
    JOIN messages m ON m.conversation_id = c.id AND m.author = 'visitor' AND m.seq > coalesce(r.last_read_seq, 0)
   WHERE c.status = 'open'
   GROUP BY c.id`;
// search_messages (migration 3) reads the FTS5 query InboxService.ftsQuery makes as it reads what was typed:
// quotes dropped, every word required, the last a prefix. Best first, then the newest, as in SQLite, with one
// difference still open: "best" is ts_rank (how often the words occur), where FTS5's bm25 also weighs the
// message's length, so hits of unequal relevance can come in another order than SQLite's (#16).
const SEARCH = `SELECT c.public_id AS "conversationId", v.label AS "visitorLabel", c.status, h.seq, h.author, h.snippet,
         h.created_at AS "createdAt"
    FROM search_messages($1, NULL, $2) h
    JOIN conversations c ON c.id = h.conversation_id
    JOIN visitors v ON v.id = c.visitor_id
   ORDER BY h.rank DESC, h.created_at DESC, h.message_id DESC`;

/**
 * Per-operator read marks, unread counts, and full-text search over messages in PostgreSQL; the twin of the
 * SQLite InboxRepository. The search index is a generated tsvector kept by PostgreSQL in each message's own
 * transaction, so there is never anything left to index.
 */
export class PgInboxRepository implements InboxStore {
  constructor(private readonly db: Queryable) {}

  /** Whether any message waits to be indexed for search: never, here. */
  async hasUnindexed(): Promise<boolean> {
    return false;
  }

  /** Nothing to add: every committed message is already indexed. */
  async indexNew(_limit: number): Promise<number> {
    return 0;
  }

  async markRead(operatorId: number, conversationRowId: number, seq: number): Promise<void> {
    await this.db.query({ name: 'inbox-mark-read', text: MARK_READ, values: [operatorId, conversationRowId, seq] });
  }

  /** Unread visitor messages per open conversation (public id → count), for one operator. */
  async unread(operatorId: number): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const { rows } = await this.db.query<{ id: string; n: number }>({ name: 'inbox-unread', text: UNREAD, values: [operatorId] });
    for (const row of rows) out[row.id] = row.n;
    return out;
  }

  /** `match` is InboxService.ftsQuery's query; the snippet marks each hit between U+E000 and U+E001. */
  async search(match: string, limit: number): Promise<SearchHitDto[]> {
    return (await this.db.query<SearchHitDto>({ name: 'inbox-search', text: SEARCH, values: [match, limit] })).rows;
  }
}

import type { OfflineReplyRow } from '../../repositories/offline-reply-repository';
import type { OfflineReplyStore } from '../../store';
import type { Queryable } from '../queryable';

const COLUMNS = `visitor_id AS "visitorId", from_seq AS "fromSeq", due_at AS "dueAt", attempts`;

// The first waiting reply wins: a later one travels in the same mail. One statement (ON CONFLICT on the
// visitor's key), so of two nodes queueing at once exactly one starts the wait.
const QUEUE = `INSERT INTO offline_replies (visitor_id, from_seq, due_at) VALUES ($1, $2, $3) ON CONFLICT (visitor_id) DO NOTHING`;
// Ties on the time in visitor order, as SQLite's table (keyed by visitor) is read.
const ALL = `SELECT ${COLUMNS} FROM offline_replies ORDER BY due_at, visitor_id`;
const OF = `SELECT ${COLUMNS} FROM offline_replies WHERE visitor_id = $1`;
const REMOVE = `DELETE FROM offline_replies WHERE visitor_id = $1 AND from_seq = $2`;
// The count moves in the statement itself (attempts + 1), never from a value read before.
const RETRY = `UPDATE offline_replies SET attempts = attempts + 1, due_at = $1 WHERE visitor_id = $2 AND from_seq = $3`;
// One statement: two nodes claiming at once, the second waits for the first's row lock and then finds
// due_at moved (READ COMMITTED checks the WHERE again on the row it waited for).
const CLAIM = `UPDATE offline_replies SET due_at = $1 WHERE visitor_id = $2 AND from_seq = $3 AND due_at = $4`;

/** Operator replies waiting to go to visitors by e-mail, at most one row per visitor, in PostgreSQL; the twin of OfflineReplyRepository. */
export class PgOfflineReplyRepository implements OfflineReplyStore {
  constructor(private readonly db: Queryable) {}

  /** Starts a wait for this visitor unless one is running; true when this one started it. */
  async queue(visitorId: number, fromSeq: number, dueAt: number): Promise<boolean> {
    return ((await this.db.query({ name: 'offline-reply-queue', text: QUEUE, values: [visitorId, fromSeq, dueAt] })).rowCount ?? 0) > 0;
  }

  async all(): Promise<OfflineReplyRow[]> {
    return (await this.db.query<OfflineReplyRow>({ name: 'offline-reply-all', text: ALL })).rows;
  }

  /** The visitor's wait, if one is running. */
  async of(visitorId: number): Promise<OfflineReplyRow | null> {
    return (await this.db.query<OfflineReplyRow>({ name: 'offline-reply-of', text: OF, values: [visitorId] })).rows[0] ?? null;
  }

  /** Ends the wait that started from `fromSeq` (a newer one, started meanwhile, is left alone). */
  async remove(visitorId: number, fromSeq: number): Promise<void> {
    await this.db.query({ name: 'offline-reply-remove', text: REMOVE, values: [visitorId, fromSeq] });
  }

  async retryAt(visitorId: number, fromSeq: number, dueAt: number): Promise<void> {
    await this.db.query({ name: 'offline-reply-retry', text: RETRY, values: [dueAt, visitorId, fromSeq] });
  }

  async claim(visitorId: number, fromSeq: number, dueAt: number, until: number): Promise<boolean> {
    return (
      ((await this.db.query({ name: 'offline-reply-claim', text: CLAIM, values: [until, visitorId, fromSeq, dueAt] })).rowCount ?? 0) > 0
    );
  }
}

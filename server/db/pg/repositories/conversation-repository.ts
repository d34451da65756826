import type { ConversationView } from '../../../../shared/schemas';
import type { ConversationRow, VisitorContext } from '../../repositories/conversation-repository';
import type { ConversationStore } from '../../store';
import type { Queryable } from '../queryable';

const FROM = `
  SELECT c.id AS "rowId", c.public_id AS id, c.visitor_id AS "visitorId", c.status, v.label AS "visitorLabel",
         c.assigned_operator_id AS "assignedOperatorId", o.name AS "assignedOperatorName", c.last_seq AS "lastSeq",
         c.last_message_preview AS "lastMessagePreview", c.last_message_at AS "lastMessageAt",
         c.waiting_since AS "waitingSince", c.page_url AS "pageUrl", c.page_title AS "pageTitle", v.lang,
         c.referrer, c.timezone, c.device, c.created_at AS "createdAt",
         r.scale AS "ratingScale", r.score AS "ratingScore", r.comment AS "ratingComment", r.created_at AS "ratingAt"
    FROM %s c
    JOIN visitors v ON v.id = c.visitor_id
    LEFT JOIN operators o ON o.id = c.assigned_operator_id
    LEFT JOIN conversation_ratings r ON r.conversation_id = c.id`;
const SELECT = FROM.replace('%s', 'conversations');

const PREVIEW_LENGTH = 140;

// The conversation is inserted and read back with its joins in one statement.
const INSERT = `WITH inserted AS (
    INSERT INTO conversations (public_id, visitor_id, status, page_url, page_title, referrer, timezone, device, created_at, updated_at)
    VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $8)
    RETURNING *
  ) ${FROM.replace('%s', 'inserted')}`;

/**
 * The three ways to read one conversation, plain and row-locked. A write procedure reads the
 * conversation, then stores message `lastSeq + 1` and moves `last_seq` on (recordMessage): SQLite's one
 * writer makes that read-then-write safe, PostgreSQL's concurrent writers do not. Bound to a transaction
 * with `lockForWrite`, the read takes the conversation's row lock (FOR UPDATE, kept to COMMIT), so writers
 * to one conversation queue there and each reads the sequence the one before it committed (READ
 * COMMITTED re-reads a locked row once it is free). Without the lock a racing writer would still store
 * nothing twice (UNIQUE (conversation_id, seq) and (conversation_id, client_id) refuse it), but it would
 * fail instead of waiting.
 */
const BY = {
  publicId: `${SELECT} WHERE c.public_id = $1`,
  visitor: `${SELECT} WHERE c.visitor_id = $1`,
  rowId: `${SELECT} WHERE c.id = $1`,
};
const LOCK = ' FOR UPDATE OF c';

// As SQLite orders them: NULLs first ascending and last descending (PostgreSQL's default is the reverse).
const ORDER = `ORDER BY c.waiting_since IS NULL, c.waiting_since, c.last_message_at DESC NULLS LAST LIMIT 500`;
const LIST: Record<ConversationView, string> = {
  unassigned: `${SELECT} WHERE c.status = 'open' AND c.assigned_operator_id IS NULL AND c.last_seq > 0 ${ORDER}`,
  mine: `${SELECT} WHERE c.status = 'open' AND c.assigned_operator_id = $1 ${ORDER}`,
  open: `${SELECT} WHERE c.status = 'open' AND c.last_seq > 0 ${ORDER}`,
  resolved: `${SELECT} WHERE c.status = 'resolved' ORDER BY c.updated_at DESC LIMIT 500`,
};
// One statement, so two operators claiming at once cannot both win: the second waits for the first's row
// lock and then finds the conversation assigned (the WHERE is checked again on the row it waited for).
const CLAIM = `UPDATE conversations SET assigned_operator_id = $1, updated_at = $2 WHERE id = $3 AND assigned_operator_id IS NULL`;
const STATUS = `UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3`;
const AFTER_MESSAGE = `UPDATE conversations
    SET last_seq = $1, last_message_preview = $2, last_message_at = $3, updated_at = $3, status = 'open',
        waiting_since = CASE WHEN $4::text = 'visitor' THEN coalesce(waiting_since, $3) ELSE NULL END
  WHERE id = $5
  RETURNING status, last_message_preview AS "lastMessagePreview", last_message_at AS "lastMessageAt", waiting_since AS "waitingSince"`;
const LAST_SEQ = `UPDATE conversations SET last_seq = $1 WHERE id = $2`;
const PAGE = `UPDATE conversations SET page_url = $1, page_title = $2, referrer = coalesce($3, referrer), timezone = coalesce($4, timezone),
    device = coalesce($5, device) WHERE id = $6`;
const ASSIGN = `UPDATE conversations SET assigned_operator_id = $1, updated_at = $2 WHERE id = $3`;
const OPEN_COUNTS = `SELECT assigned_operator_id AS "operatorId", count(*) AS n FROM conversations
  WHERE status = 'open' AND assigned_operator_id IS NOT NULL GROUP BY assigned_operator_id`;
const WAITING_UNASSIGNED = `SELECT public_id FROM conversations WHERE status = 'open' AND assigned_operator_id IS NULL AND last_seq > 0
  ORDER BY waiting_since IS NULL, waiting_since, created_at LIMIT $1`;
const DELETE_BY_VISITOR = `DELETE FROM conversations WHERE visitor_id = $1`;

/** Conversations in PostgreSQL, one per visitor; the twin of the SQLite ConversationRepository. */
export class PgConversationRepository implements ConversationStore {
  /**
   * `lockForWrite`: `db` is a client inside a write transaction, and reading a conversation locks it
   * until COMMIT (see BY above). Reads on the pool leave it off.
   */
  constructor(
    private readonly db: Queryable,
    private readonly options: { lockForWrite?: boolean } = {},
  ) {}

  private async one(key: keyof typeof BY, value: unknown): Promise<ConversationRow | null> {
    const lock = this.options.lockForWrite === true;
    const { rows } = await this.db.query<ConversationRow>({
      name: `conversation-by-${key}${lock ? '-locked' : ''}`,
      text: lock ? BY[key] + LOCK : BY[key],
      values: [value],
    });
    return rows[0] ?? null;
  }

  async create(publicId: string, visitorId: number, page: VisitorContext | null, now: number): Promise<ConversationRow> {
    const values = [publicId, visitorId, page?.url ?? null, page?.title ?? null, page?.referrer ?? null];
    values.push(page?.timezone ?? null, page?.device ?? null, now);
    const { rows } = await this.db.query<ConversationRow>({ name: 'conversation-insert', text: INSERT, values });
    return rows[0];
  }

  byPublicId(publicId: string): Promise<ConversationRow | null> {
    return this.one('publicId', publicId);
  }

  byVisitor(visitorId: number): Promise<ConversationRow | null> {
    return this.one('visitor', visitorId);
  }

  byRowId(rowId: number): Promise<ConversationRow | null> {
    return this.one('rowId', rowId);
  }

  async list(view: ConversationView, operatorId: number): Promise<ConversationRow[]> {
    const values = view === 'mine' ? [operatorId] : [];
    return (await this.db.query<ConversationRow>({ name: `conversation-list-${view}`, text: LIST[view], values })).rows;
  }

  /** Assigns the conversation only if nobody holds it; returns whether this call won (see CLAIM). */
  async claim(rowId: number, operatorId: number, now: number): Promise<boolean> {
    return (await this.db.query({ name: 'conversation-claim', text: CLAIM, values: [operatorId, now, rowId] })).rowCount === 1;
  }

  async setStatus(rowId: number, status: 'open' | 'resolved', now: number): Promise<void> {
    await this.db.query({ name: 'conversation-status', text: STATUS, values: [status, now, rowId] });
  }

  /**
   * Message `seq` was stored in `row`, read in this same transaction (locked: see BY), so `seq` is its
   * next: the sequence moves on and, for a visitor's or an operator's message, its preview, time, status
   * and wait follow. Returns the conversation as it now is.
   */
  async recordMessage(
    row: ConversationRow,
    seq: number,
    author: 'visitor' | 'operator' | 'system',
    text: string,
    at: number,
  ): Promise<ConversationRow> {
    if (author === 'system') {
      await this.db.query({ name: 'conversation-last-seq', text: LAST_SEQ, values: [seq, row.rowId] });
      return { ...row, lastSeq: seq };
    }
    const { rows } = await this.db.query<Pick<ConversationRow, 'status' | 'lastMessagePreview' | 'lastMessageAt' | 'waitingSince'>>({
      name: 'conversation-after-message',
      text: AFTER_MESSAGE,
      values: [seq, text.slice(0, PREVIEW_LENGTH), at, author, row.rowId],
    });
    return { ...row, lastSeq: seq, ...rows[0] };
  }

  async setPage(rowId: number, page: VisitorContext): Promise<void> {
    const values = [page.url, page.title, page.referrer ?? null, page.timezone ?? null, page.device ?? null, rowId];
    await this.db.query({ name: 'conversation-page', text: PAGE, values });
  }

  /** Assigns (or, with null, unassigns) whoever holds it now: a transfer. */
  async assign(rowId: number, operatorId: number | null, now: number): Promise<void> {
    await this.db.query({ name: 'conversation-assign', text: ASSIGN, values: [operatorId, now, rowId] });
  }

  /** Open conversations per assigned operator. */
  async openCounts(): Promise<Map<number, number>> {
    const { rows } = await this.db.query<{ operatorId: number; n: number }>({ name: 'conversation-open-counts', text: OPEN_COUNTS });
    return new Map(rows.map((r) => [r.operatorId, r.n]));
  }

  /** Public ids of open, unassigned conversations with messages, longest-waiting first. */
  async waitingUnassigned(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ public_id: string }>({
      name: 'conversation-waiting-unassigned',
      text: WAITING_UNASSIGNED,
      values: [limit],
    });
    return rows.map((r) => r.public_id);
  }

  async deleteByVisitor(visitorId: number): Promise<number> {
    return (await this.db.query({ name: 'conversation-delete-by-visitor', text: DELETE_BY_VISITOR, values: [visitorId] })).rowCount ?? 0;
  }
}

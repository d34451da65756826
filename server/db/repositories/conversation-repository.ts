import type { Db } from '../open';
import type { ConversationDto, RatingDto } from '../../../shared/types';
import type { ConversationView } from '../../../shared/schemas';

export interface ConversationRow extends Omit<ConversationDto, 'rating'> {
  /** Internal row id (never sent to clients). */
  rowId: number;
  visitorId: number;
  /** The visitor's rating, flat as SQL returns it (all null when not rated); toConversationDto nests it. */
  ratingScale: RatingDto['scale'] | null;
  ratingScore: number | null;
  ratingComment: string | null;
  ratingAt: number | null;
}

const SELECT = `
  SELECT c.id AS rowId, c.public_id AS id, c.visitor_id AS visitorId, c.status, v.label AS visitorLabel,
         c.assigned_operator_id AS assignedOperatorId, o.name AS assignedOperatorName, c.last_seq AS lastSeq,
         c.last_message_preview AS lastMessagePreview, c.last_message_at AS lastMessageAt,
         c.waiting_since AS waitingSince, c.page_url AS pageUrl, c.page_title AS pageTitle, v.lang,
         c.referrer, c.timezone, c.device, c.created_at AS createdAt,
         r.scale AS ratingScale, r.score AS ratingScore, r.comment AS ratingComment, r.created_at AS ratingAt
    FROM conversations c
    JOIN visitors v ON v.id = c.visitor_id
    LEFT JOIN operators o ON o.id = c.assigned_operator_id
    LEFT JOIN conversation_ratings r ON r.conversation_id = c.id`;

const PREVIEW_LENGTH = 140;

/** What the widget tells us about where the visitor is; already cleaned by the service. */
export interface VisitorContext {
  url: string;
  title: string;
  referrer?: string | null;
  timezone?: string | null;
  device?: string | null;
}

/** Conversations; one per visitor. */
export class ConversationRepository {
  private readonly insertStmt;
  private readonly byPublicIdStmt;
  private readonly byVisitorStmt;
  private readonly byRowIdStmt;
  private readonly listStmts: Record<ConversationView, ReturnType<Db['prepare']>>;
  private readonly claimStmt;
  private readonly statusStmt;
  private readonly afterMessageStmt;
  private readonly afterMessageReopenStmt;
  private readonly lastSeqStmt;
  private readonly pageStmt;
  private readonly deleteByVisitorStmt;
  private readonly assignStmt;
  private readonly openCountsStmt;
  private readonly waitingUnassignedStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO conversations (public_id, visitor_id, status, page_url, page_title, referrer, timezone, device, created_at, updated_at)
       VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byPublicIdStmt = db.prepare(`${SELECT} WHERE c.public_id = ?`);
    this.byVisitorStmt = db.prepare(`${SELECT} WHERE c.visitor_id = ?`);
    this.byRowIdStmt = db.prepare(`${SELECT} WHERE c.id = ?`);
    const order = `ORDER BY c.waiting_since IS NULL, c.waiting_since, c.last_message_at DESC LIMIT 500`;
    this.listStmts = {
      unassigned: db.prepare(`${SELECT} WHERE c.status = 'open' AND c.assigned_operator_id IS NULL AND c.last_seq > 0 ${order}`),
      mine: db.prepare(`${SELECT} WHERE c.status = 'open' AND c.assigned_operator_id = @operatorId ${order}`),
      open: db.prepare(`${SELECT} WHERE c.status = 'open' AND c.last_seq > 0 ${order}`),
      resolved: db.prepare(`${SELECT} WHERE c.status = 'resolved' ORDER BY c.updated_at DESC LIMIT 500`),
    };
    this.claimStmt = db.prepare(
      `UPDATE conversations SET assigned_operator_id = ?, updated_at = ? WHERE id = ? AND assigned_operator_id IS NULL`,
    );
    this.statusStmt = db.prepare(`UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?`);
    // A message moves the conversation's last message on. Status and wait are set only when they change:
    // every indexed column named in an UPDATE rewrites its index entries, a page each in the WAL, even
    // when the value stays the same. The common case (an open conversation, a visitor still waiting or an
    // operator answering again) names none.
    this.afterMessageStmt = db.prepare(
      `UPDATE conversations SET last_seq = ?, last_message_preview = ?, last_message_at = ?, updated_at = ? WHERE id = ?`,
    );
    this.afterMessageReopenStmt = db.prepare(
      `UPDATE conversations SET last_seq = ?, last_message_preview = ?, last_message_at = ?, updated_at = ?, status = 'open',
              waiting_since = ? WHERE id = ?`,
    );
    this.lastSeqStmt = db.prepare(`UPDATE conversations SET last_seq = ? WHERE id = ?`);
    this.pageStmt = db.prepare(
      `UPDATE conversations SET page_url = ?, page_title = ?, referrer = coalesce(?, referrer), timezone = coalesce(?, timezone),
              device = coalesce(?, device) WHERE id = ?`,
    );
    this.assignStmt = db.prepare(`UPDATE conversations SET assigned_operator_id = ?, updated_at = ? WHERE id = ?`);
    this.openCountsStmt = db.prepare(
      `SELECT assigned_operator_id AS operatorId, count(*) AS n FROM conversations
        WHERE status = 'open' AND assigned_operator_id IS NOT NULL GROUP BY assigned_operator_id`,
    );
    this.waitingUnassignedStmt = db
      .prepare(
        `SELECT public_id FROM conversations WHERE status = 'open' AND assigned_operator_id IS NULL AND last_seq > 0
        ORDER BY waiting_since IS NULL, waiting_since, created_at LIMIT ?`,
      )
      .pluck();
    this.deleteByVisitorStmt = db.prepare(`DELETE FROM conversations WHERE visitor_id = ?`);
  }

  create(publicId: string, visitorId: number, page: VisitorContext | null, now: number): ConversationRow {
    const info = this.insertStmt.run(
      publicId,
      visitorId,
      page?.url ?? null,
      page?.title ?? null,
      page?.referrer ?? null,
      page?.timezone ?? null,
      page?.device ?? null,
      now,
      now,
    );
    return this.byRowId(Number(info.lastInsertRowid))!;
  }

  byPublicId(publicId: string): ConversationRow | null {
    return (this.byPublicIdStmt.get(publicId) as ConversationRow | undefined) ?? null;
  }

  byVisitor(visitorId: number): ConversationRow | null {
    return (this.byVisitorStmt.get(visitorId) as ConversationRow | undefined) ?? null;
  }

  byRowId(rowId: number): ConversationRow | null {
    return (this.byRowIdStmt.get(rowId) as ConversationRow | undefined) ?? null;
  }

  list(view: ConversationView, operatorId: number): ConversationRow[] {
    const stmt = this.listStmts[view];
    return (view === 'mine' ? stmt.all({ operatorId }) : (stmt as unknown as { all(): unknown[] }).all()) as ConversationRow[];
  }

  /** Assigns the conversation only if nobody holds it; returns whether this call won. */
  claim(rowId: number, operatorId: number, now: number): boolean {
    return this.claimStmt.run(operatorId, now, rowId).changes === 1;
  }

  setStatus(rowId: number, status: 'open' | 'resolved', now: number): void {
    this.statusStmt.run(status, now, rowId);
  }

  /**
   * Message `seq` was stored in `row` (read in this same transaction, so `seq` is its next): the
   * conversation's sequence moves on and, for a visitor's or an operator's message, its preview, time,
   * status and wait follow. Returns the conversation as it now is, so nobody has to read it again.
   */
  recordMessage(row: ConversationRow, seq: number, author: 'visitor' | 'operator' | 'system', text: string, at: number): ConversationRow {
    if (author === 'system') {
      this.lastSeqStmt.run(seq, row.rowId);
      return { ...row, lastSeq: seq };
    }
    const preview = text.slice(0, PREVIEW_LENGTH);
    // The visitor's oldest unanswered message starts the wait; an operator's answer ends it.
    const waitingSince = author === 'visitor' ? (row.waitingSince ?? at) : null;
    if (row.status === 'open' && waitingSince === row.waitingSince) this.afterMessageStmt.run(seq, preview, at, at, row.rowId);
    else this.afterMessageReopenStmt.run(seq, preview, at, at, waitingSince, row.rowId);
    return { ...row, lastSeq: seq, status: 'open', lastMessagePreview: preview, lastMessageAt: at, waitingSince };
  }

  setPage(rowId: number, page: VisitorContext): void {
    this.pageStmt.run(page.url, page.title, page.referrer ?? null, page.timezone ?? null, page.device ?? null, rowId);
  }

  /** Assigns (or, with null, unassigns) whoever holds it now: a transfer. */
  assign(rowId: number, operatorId: number | null, now: number): void {
    this.assignStmt.run(operatorId, now, rowId);
  }

  /** Open conversations per assigned operator. */
  openCounts(): Map<number, number> {
    return new Map((this.openCountsStmt.all() as Array<{ operatorId: number; n: number }>).map((r) => [r.operatorId, r.n]));
  }

  /** Public ids of open, unassigned conversations with messages, longest-waiting first. */
  waitingUnassigned(limit: number): string[] {
    return this.waitingUnassignedStmt.all(limit) as string[];
  }

  deleteByVisitor(visitorId: number): number {
    return this.deleteByVisitorStmt.run(visitorId).changes;
  }
}

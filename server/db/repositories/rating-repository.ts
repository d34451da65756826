import type { Db } from '../open';
import type { RatingDto } from '../../../shared/types';

/** One row of the report's count: ratings of one operator with one scale and score. */
export interface RatingCountRow {
  operatorId: number | null;
  operatorName: string | null;
  scale: RatingDto['scale'];
  score: number;
  n: number;
}

export interface RecentRatingRow extends RatingDto {
  conversationId: string;
  visitorLabel: string;
  operatorName: string | null;
}

const FIELDS = `r.scale, r.score, r.comment, r.created_at AS createdAt`;

/** Visitors' ratings of their conversations: at most one per conversation (a UNIQUE key, not a check). */
export class RatingRepository {
  private readonly insertStmt;
  private readonly byConversationStmt;
  private readonly deleteStmt;
  private readonly countStmt;
  private readonly countsStmt;
  private readonly recentStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO conversation_ratings (conversation_id, operator_id, scale, score, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.byConversationStmt = db.prepare(`SELECT ${FIELDS} FROM conversation_ratings r WHERE r.conversation_id = ?`);
    this.deleteStmt = db.prepare(`DELETE FROM conversation_ratings WHERE conversation_id = ?`);
    this.countStmt = db.prepare(`SELECT count(*) FROM conversation_ratings WHERE conversation_id = ?`).pluck();
    this.countsStmt = db.prepare(
      `SELECT r.operator_id AS operatorId, o.name AS operatorName, r.scale, r.score, count(*) AS n
         FROM conversation_ratings r LEFT JOIN operators o ON o.id = r.operator_id
        WHERE r.created_at >= ? AND r.created_at < ?
        GROUP BY r.operator_id, r.scale, r.score
        ORDER BY o.name, r.operator_id`,
    );
    this.recentStmt = db.prepare(
      `SELECT ${FIELDS}, c.public_id AS conversationId, v.label AS visitorLabel, o.name AS operatorName
         FROM conversation_ratings r
         JOIN conversations c ON c.id = r.conversation_id
         JOIN visitors v ON v.id = c.visitor_id
         LEFT JOIN operators o ON o.id = r.operator_id
        WHERE r.created_at >= ? AND r.created_at < ?
        ORDER BY r.created_at DESC, r.id DESC LIMIT ?`,
    );
  }

  insert(row: { conversationRowId: number; operatorId: number | null } & RatingDto): void {
    this.insertStmt.run(row.conversationRowId, row.operatorId, row.scale, row.score, row.comment, row.createdAt);
  }

  /** The conversation's rating, as a list of none or one (the export's and the erasure's shape). */
  byConversation(conversationRowId: number): RatingDto[] {
    return this.byConversationStmt.all(conversationRowId) as RatingDto[];
  }

  deleteByConversation(conversationRowId: number): number {
    return this.deleteStmt.run(conversationRowId).changes;
  }

  countByConversation(conversationRowId: number): number {
    return this.countStmt.get(conversationRowId) as number;
  }

  /** Counts per operator, scale and score of the ratings given in [from, to). */
  counts(from: number, to: number): RatingCountRow[] {
    return this.countsStmt.all(from, to) as RatingCountRow[];
  }

  recent(from: number, to: number, limit: number): RecentRatingRow[] {
    return this.recentStmt.all(from, to, limit) as RecentRatingRow[];
  }
}

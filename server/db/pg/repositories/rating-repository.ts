import type { RatingDto } from '../../../../shared/types';
import type { RatingCountRow, RecentRatingRow } from '../../repositories/rating-repository';
import type { RatingStore } from '../../store';
import type { Queryable } from '../queryable';

const FIELDS = `r.scale, r.score, r.comment, r.created_at AS "createdAt"`;

// The caller looks for the conversation's rating first and inserts when it finds none; UNIQUE
// (conversation_id) refuses a second rating a concurrent writer got in between (a unique violation, as in SQLite).
const INSERT = `INSERT INTO conversation_ratings (conversation_id, operator_id, scale, score, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6)`;
const BY_CONVERSATION = `SELECT ${FIELDS} FROM conversation_ratings r WHERE r.conversation_id = $1`;
const DELETE = `DELETE FROM conversation_ratings WHERE conversation_id = $1`;
const COUNT = `SELECT count(*) AS n FROM conversation_ratings WHERE conversation_id = $1`;
// As SQLite orders them: names byte by byte ("C"), no operator (NULL) first; scale and score only make the
// order within one operator the same on every run (SQLite leaves it to its grouping, which sorts by them).
const COUNTS = `SELECT r.operator_id AS "operatorId", o.name AS "operatorName", r.scale, r.score, count(*) AS n
    FROM conversation_ratings r LEFT JOIN operators o ON o.id = r.operator_id
   WHERE r.created_at >= $1 AND r.created_at < $2
   GROUP BY r.operator_id, o.name, r.scale, r.score
   ORDER BY o.name COLLATE "C" NULLS FIRST, r.operator_id NULLS FIRST, r.scale, r.score`;
const RECENT = `SELECT ${FIELDS}, c.public_id AS "conversationId", v.label AS "visitorLabel", o.name AS "operatorName"
    FROM conversation_ratings r
    JOIN conversations c ON c.id = r.conversation_id
    JOIN visitors v ON v.id = c.visitor_id
    LEFT JOIN operators o ON o.id = r.operator_id
   WHERE r.created_at >= $1 AND r.created_at < $2
   ORDER BY r.created_at DESC, r.id DESC LIMIT $3`;

/** Visitors' ratings of their conversations in PostgreSQL, at most one per conversation; the twin of the SQLite RatingRepository. */
export class PgRatingRepository implements RatingStore {
  constructor(private readonly db: Queryable) {}

  async insert(row: { conversationRowId: number; operatorId: number | null } & RatingDto): Promise<void> {
    const values = [row.conversationRowId, row.operatorId, row.scale, row.score, row.comment, row.createdAt];
    await this.db.query({ name: 'rating-insert', text: INSERT, values });
  }

  /** The conversation's rating, as a list of none or one (the export's and the erasure's shape). */
  async byConversation(conversationRowId: number): Promise<RatingDto[]> {
    return (await this.db.query<RatingDto>({ name: 'rating-by-conversation', text: BY_CONVERSATION, values: [conversationRowId] })).rows;
  }

  async deleteByConversation(conversationRowId: number): Promise<number> {
    return (await this.db.query({ name: 'rating-delete-by-conversation', text: DELETE, values: [conversationRowId] })).rowCount ?? 0;
  }

  async countByConversation(conversationRowId: number): Promise<number> {
    return (await this.db.query<{ n: number }>({ name: 'rating-count', text: COUNT, values: [conversationRowId] })).rows[0].n;
  }

  /** Counts per operator, scale and score of the ratings given in [from, to). */
  async counts(from: number, to: number): Promise<RatingCountRow[]> {
    return (await this.db.query<RatingCountRow>({ name: 'rating-counts', text: COUNTS, values: [from, to] })).rows;
  }

  async recent(from: number, to: number, limit: number): Promise<RecentRatingRow[]> {
    return (await this.db.query<RecentRatingRow>({ name: 'rating-recent', text: RECENT, values: [from, to, limit] })).rows;
  }
}

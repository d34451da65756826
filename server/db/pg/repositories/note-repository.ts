import type { NoteDto } from '../../../../shared/types';
import type { NoteStore } from '../../store';
import type { Queryable } from '../queryable';

/** A note as stored: its conversation's public id is the caller's to add. */
type Raw = Omit<NoteDto, 'conversationId'>;

const SELECT = `SELECT n.id, n.client_id AS "clientId", n.after_seq AS "afterSeq", o.name AS "operatorName", n.body AS text,
                       n.created_at AS "createdAt"
                  FROM conversation_notes n LEFT JOIN operators o ON o.id = n.operator_id`;

// The caller looks the client id up first and inserts when it finds none; UNIQUE (conversation_id, client_id)
// refuses a second note of one client id that a concurrent writer got in between (a unique violation, as in SQLite).
const INSERT = `INSERT INTO conversation_notes (conversation_id, operator_id, client_id, after_seq, body, created_at)
  VALUES ($1, $2, $3, $4, $5, $6)`;
const BY_CLIENT_ID = `${SELECT} WHERE n.conversation_id = $1 AND n.client_id = $2`;
const LIST = `${SELECT} WHERE n.conversation_id = $1 ORDER BY n.after_seq, n.id LIMIT 1000`;
const DELETE = `DELETE FROM conversation_notes WHERE conversation_id = $1`;
const COUNT = `SELECT count(*) AS n FROM conversation_notes WHERE conversation_id = $1`;

/** Internal notes in PostgreSQL; the twin of the SQLite NoteRepository. Only operator code paths reach it; no visitor query joins it. */
export class PgNoteRepository implements NoteStore {
  constructor(private readonly db: Queryable) {}

  async insert(row: {
    conversationRowId: number;
    operatorId: number;
    clientId: string;
    afterSeq: number;
    text: string;
    at: number;
  }): Promise<void> {
    const values = [row.conversationRowId, row.operatorId, row.clientId, row.afterSeq, row.text, row.at];
    await this.db.query({ name: 'note-insert', text: INSERT, values });
  }

  async byClientId(conversationRowId: number, publicId: string, clientId: string): Promise<NoteDto | null> {
    const { rows } = await this.db.query<Raw>({ name: 'note-by-client-id', text: BY_CLIENT_ID, values: [conversationRowId, clientId] });
    return rows[0] ? { ...rows[0], conversationId: publicId } : null;
  }

  async list(conversationRowId: number, publicId: string): Promise<NoteDto[]> {
    const { rows } = await this.db.query<Raw>({ name: 'note-list', text: LIST, values: [conversationRowId] });
    return rows.map((r) => ({ ...r, conversationId: publicId }));
  }

  async countByConversation(conversationRowId: number): Promise<number> {
    return (await this.db.query<{ n: number }>({ name: 'note-count', text: COUNT, values: [conversationRowId] })).rows[0].n;
  }

  async deleteByConversation(conversationRowId: number): Promise<number> {
    return (await this.db.query({ name: 'note-delete-by-conversation', text: DELETE, values: [conversationRowId] })).rowCount ?? 0;
  }
}

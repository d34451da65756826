import type { Author, MessageDto } from '../../../../shared/types';
import { type MessageRaw, toMessageDto } from '../../repositories/message-repository';
import type { MessageStore } from '../../store';
import type { Queryable } from '../queryable';

const SELECT = `SELECT m.id, m.seq, m.client_id AS "clientId", m.author, o.name AS "operatorName", m.body AS text,
                       m.created_at AS "createdAt", a.public_id AS "attachmentId", a.name AS "attachmentName",
                       a.mime AS "attachmentType", a.size AS "attachmentSize"
                  FROM messages m LEFT JOIN operators o ON o.id = m.operator_id LEFT JOIN attachments a ON a.message_id = m.id`;

// The caller chose `seq` from the conversation it read, locked, in this transaction (see
// PgConversationRepository); UNIQUE (conversation_id, seq) refuses a second message at one seq regardless.
const INSERT = `INSERT INTO messages (conversation_id, seq, client_id, author, operator_id, body, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`;
const BY_CLIENT_ID = `${SELECT} WHERE m.conversation_id = $1 AND m.client_id = $2`;
const AFTER = `${SELECT} WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3`;
const LATEST = `SELECT * FROM (${SELECT} WHERE m.conversation_id = $1 ORDER BY m.seq DESC LIMIT $2) AS page ORDER BY seq`;
const BEFORE = `SELECT * FROM (${SELECT} WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3) AS page ORDER BY seq`;
const ALL = `${SELECT} WHERE m.conversation_id = $1 ORDER BY m.seq`;
const COUNT = `SELECT count(*) AS n FROM messages WHERE conversation_id = $1`;
const FIRST_OPERATOR_AFTER = `SELECT min(seq) AS seq FROM messages WHERE conversation_id = $1 AND seq > $2 AND author = 'operator'`;
const DELETE = `DELETE FROM messages WHERE conversation_id = $1`;

/** Messages in PostgreSQL, addressed by (conversation, seq) and (conversation, clientId); the twin of MessageRepository. */
export class PgMessageRepository implements MessageStore {
  constructor(private readonly db: Queryable) {}

  private async dtos(name: string, text: string, values: unknown[], publicId: string): Promise<MessageDto[]> {
    return (await this.db.query<MessageRaw>({ name, text, values })).rows.map((r) => toMessageDto(r, publicId));
  }

  async insert(row: {
    conversationRowId: number;
    seq: number;
    clientId: string;
    author: Author;
    operatorId: number | null;
    text: string;
    at: number;
  }): Promise<number> {
    const values = [row.conversationRowId, row.seq, row.clientId, row.author, row.operatorId, row.text, row.at];
    return (await this.db.query<{ id: number }>({ name: 'message-insert', text: INSERT, values })).rows[0].id;
  }

  async byClientId(conversationRowId: number, publicId: string, clientId: string): Promise<MessageDto | null> {
    return (await this.dtos('message-by-client-id', BY_CLIENT_ID, [conversationRowId, clientId], publicId))[0] ?? null;
  }

  after(conversationRowId: number, publicId: string, afterSeq: number, limit: number): Promise<MessageDto[]> {
    return this.dtos('message-after', AFTER, [conversationRowId, afterSeq, limit], publicId);
  }

  latest(conversationRowId: number, publicId: string, limit: number): Promise<MessageDto[]> {
    return this.dtos('message-latest', LATEST, [conversationRowId, limit], publicId);
  }

  /** The `limit` messages just before `beforeSeq`, in order: a page back. */
  before(conversationRowId: number, publicId: string, beforeSeq: number, limit: number): Promise<MessageDto[]> {
    return this.dtos('message-before', BEFORE, [conversationRowId, beforeSeq, limit], publicId);
  }

  all(conversationRowId: number, publicId: string): Promise<MessageDto[]> {
    return this.dtos('message-all', ALL, [conversationRowId], publicId);
  }

  /** The sequence of the first operator message after `seq`, or null. */
  async firstOperatorAfter(conversationRowId: number, seq: number): Promise<number | null> {
    const { rows } = await this.db.query<{ seq: number | null }>({
      name: 'message-first-operator-after',
      text: FIRST_OPERATOR_AFTER,
      values: [conversationRowId, seq],
    });
    return rows[0].seq;
  }

  async count(conversationRowId: number): Promise<number> {
    return (await this.db.query<{ n: number }>({ name: 'message-count', text: COUNT, values: [conversationRowId] })).rows[0].n;
  }

  async deleteByConversation(conversationRowId: number): Promise<number> {
    return (await this.db.query({ name: 'message-delete-by-conversation', text: DELETE, values: [conversationRowId] })).rowCount ?? 0;
  }
}

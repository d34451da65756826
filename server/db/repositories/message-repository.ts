import type { Db } from '../open';
import type { AttachmentType } from '../../../shared/attachments';
import type { Author, MessageDto } from '../../../shared/types';

/** A message row as the statements of either store select it (attachment columns flattened). */
export interface MessageRaw {
  id: number;
  seq: number;
  clientId: string;
  author: Author;
  operatorName: string | null;
  text: string;
  createdAt: number;
  attachmentId: string | null;
  attachmentName: string | null;
  attachmentType: AttachmentType | null;
  attachmentSize: number | null;
}

/** The row as the message both ends see. */
export function toMessageDto(r: MessageRaw, conversationId: string): MessageDto {
  const { attachmentId, attachmentName, attachmentType, attachmentSize, ...rest } = r;
  const message: MessageDto = { ...rest, conversationId };
  if (attachmentId) message.attachment = { id: attachmentId, name: attachmentName!, type: attachmentType!, size: attachmentSize! };
  return message;
}

const SELECT = `SELECT m.id, m.seq, m.client_id AS clientId, m.author, o.name AS operatorName, m.body AS text,
                       m.created_at AS createdAt, a.public_id AS attachmentId, a.name AS attachmentName,
                       a.mime AS attachmentType, a.size AS attachmentSize
                  FROM messages m LEFT JOIN operators o ON o.id = m.operator_id LEFT JOIN attachments a ON a.message_id = m.id`;

/** Messages of a conversation, addressed by (conversation, seq) and (conversation, clientId). */
export class MessageRepository {
  private readonly insertStmt;
  private readonly byClientIdStmt;
  private readonly afterStmt;
  private readonly latestStmt;
  private readonly beforeStmt;
  private readonly countStmt;
  private readonly firstOperatorAfterStmt;
  private readonly allStmt;
  private readonly deleteStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO messages (conversation_id, seq, client_id, author, operator_id, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byClientIdStmt = db.prepare(`${SELECT} WHERE m.conversation_id = ? AND m.client_id = ?`);
    this.afterStmt = db.prepare(`${SELECT} WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`);
    this.latestStmt = db.prepare(`SELECT * FROM (${SELECT} WHERE m.conversation_id = ? ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`);
    this.beforeStmt = db.prepare(
      `SELECT * FROM (${SELECT} WHERE m.conversation_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`,
    );
    this.allStmt = db.prepare(`${SELECT} WHERE m.conversation_id = ? ORDER BY m.seq`);
    this.countStmt = db.prepare(`SELECT count(*) FROM messages WHERE conversation_id = ?`).pluck();
    this.firstOperatorAfterStmt = db
      .prepare(`SELECT min(seq) FROM messages WHERE conversation_id = ? AND seq > ? AND author = 'operator'`)
      .pluck();
    this.deleteStmt = db.prepare(`DELETE FROM messages WHERE conversation_id = ?`);
  }

  insert(row: {
    conversationRowId: number;
    seq: number;
    clientId: string;
    author: Author;
    operatorId: number | null;
    text: string;
    at: number;
  }): number {
    return Number(
      this.insertStmt.run(row.conversationRowId, row.seq, row.clientId, row.author, row.operatorId, row.text, row.at).lastInsertRowid,
    );
  }

  byClientId(conversationRowId: number, publicId: string, clientId: string): MessageDto | null {
    const raw = this.byClientIdStmt.get(conversationRowId, clientId) as MessageRaw | undefined;
    return raw ? toMessageDto(raw, publicId) : null;
  }

  after(conversationRowId: number, publicId: string, afterSeq: number, limit: number): MessageDto[] {
    return (this.afterStmt.all(conversationRowId, afterSeq, limit) as MessageRaw[]).map((r) => toMessageDto(r, publicId));
  }

  latest(conversationRowId: number, publicId: string, limit: number): MessageDto[] {
    return (this.latestStmt.all(conversationRowId, limit) as MessageRaw[]).map((r) => toMessageDto(r, publicId));
  }

  /** The `limit` messages just before `beforeSeq`, in order: a page back. */
  before(conversationRowId: number, publicId: string, beforeSeq: number, limit: number): MessageDto[] {
    return (this.beforeStmt.all(conversationRowId, beforeSeq, limit) as MessageRaw[]).map((r) => toMessageDto(r, publicId));
  }

  all(conversationRowId: number, publicId: string): MessageDto[] {
    return (this.allStmt.all(conversationRowId) as MessageRaw[]).map((r) => toMessageDto(r, publicId));
  }

  /** The sequence of the first operator message after `seq`, or null. */
  firstOperatorAfter(conversationRowId: number, seq: number): number | null {
    return (this.firstOperatorAfterStmt.get(conversationRowId, seq) as number | null) ?? null;
  }

  count(conversationRowId: number): number {
    return this.countStmt.get(conversationRowId) as number;
  }

  deleteByConversation(conversationRowId: number): number {
    return this.deleteStmt.run(conversationRowId).changes;
  }
}

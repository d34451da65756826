import type { AttachmentType } from '../../../shared/attachments';
import type { Db } from '../open';

export interface AttachmentRow {
  rowId: number;
  id: string;
  conversationRowId: number;
  conversationId: string;
  visitorId: number;
  messageId: number | null;
  clientId: string;
  uploader: 'visitor' | 'operator';
  storageKey: string;
  name: string;
  type: AttachmentType;
  size: number;
  sha256: string;
  createdAt: number;
}

const SELECT = `SELECT a.id AS rowId, a.public_id AS id, a.conversation_id AS conversationRowId, c.public_id AS conversationId,
                       c.visitor_id AS visitorId, a.message_id AS messageId, a.client_id AS clientId, a.uploader,
                       a.storage_key AS storageKey, a.name, a.mime AS type, a.size, a.sha256, a.created_at AS createdAt
                  FROM attachments a JOIN conversations c ON c.id = a.conversation_id`;

/** Attachments' rows (the bytes are in the attachment store), and the keys of deleted ones awaiting removal. */
export class AttachmentRepository {
  private readonly insertStmt;
  private readonly byClientIdStmt;
  private readonly byPublicIdStmt;
  private readonly byConversationStmt;
  private readonly linkStmt;
  private readonly deleteByConversationStmt;
  private readonly countByConversationStmt;
  private readonly trashStmt;
  private readonly untrashStmt;
  private readonly keyExistsStmt;
  private readonly storedKeysStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO attachments (public_id, conversation_id, client_id, uploader, operator_id, storage_key, name, mime, size, sha256, created_at)
       VALUES (@id, @conversationRowId, @clientId, @uploader, @operatorId, @storageKey, @name, @type, @size, @sha256, @createdAt)`,
    );
    this.byClientIdStmt = db.prepare(`${SELECT} WHERE a.conversation_id = ? AND a.client_id = ?`);
    this.byPublicIdStmt = db.prepare(`${SELECT} WHERE a.public_id = ?`);
    this.byConversationStmt = db.prepare(`${SELECT} WHERE a.conversation_id = ? ORDER BY a.id`);
    this.linkStmt = db.prepare(`UPDATE attachments SET message_id = ? WHERE id = ? AND message_id IS NULL`);
    this.deleteByConversationStmt = db.prepare(`DELETE FROM attachments WHERE conversation_id = ?`);
    this.countByConversationStmt = db.prepare(`SELECT count(*) FROM attachments WHERE conversation_id = ?`).pluck();
    this.trashStmt = db.prepare(`SELECT storage_key FROM attachment_trash LIMIT ?`).pluck();
    this.untrashStmt = db.prepare(`DELETE FROM attachment_trash WHERE storage_key = ?`);
    this.keyExistsStmt = db.prepare(`SELECT 1 FROM attachments WHERE storage_key = ?`).pluck();
    this.storedKeysStmt = db.prepare(`SELECT storage_key AS key, sha256 FROM attachments ORDER BY id`);
  }

  insert(row: Omit<AttachmentRow, 'rowId' | 'conversationId' | 'visitorId' | 'messageId'> & { operatorId: number | null }): number {
    return Number(this.insertStmt.run(row).lastInsertRowid);
  }

  byClientId(conversationRowId: number, clientId: string): AttachmentRow | null {
    return (this.byClientIdStmt.get(conversationRowId, clientId) as AttachmentRow | undefined) ?? null;
  }

  byPublicId(id: string): AttachmentRow | null {
    return (this.byPublicIdStmt.get(id) as AttachmentRow | undefined) ?? null;
  }

  byConversation(conversationRowId: number): AttachmentRow[] {
    return this.byConversationStmt.all(conversationRowId) as AttachmentRow[];
  }

  /** Links an unsent attachment to its message; false when it was already sent with another. */
  link(rowId: number, messageId: number): boolean {
    return this.linkStmt.run(messageId, rowId).changes === 1;
  }

  deleteByConversation(conversationRowId: number): number {
    return this.deleteByConversationStmt.run(conversationRowId).changes;
  }

  countByConversation(conversationRowId: number): number {
    return this.countByConversationStmt.get(conversationRowId) as number;
  }

  /** Keys of deleted attachments whose files may still be in the store. */
  trash(limit = 1000): string[] {
    return this.trashStmt.all(limit) as string[];
  }

  untrash(keys: readonly string[]): void {
    for (const key of keys) this.untrashStmt.run(key);
  }

  keyExists(key: string): boolean {
    return this.keyExistsStmt.get(key) !== undefined;
  }

  /** Every stored file's key and the SHA-256 its bytes must have (moving the files to another store). */
  storedKeys(): Array<{ key: string; sha256: string }> {
    return this.storedKeysStmt.all() as Array<{ key: string; sha256: string }>;
  }
}

import type { AttachmentRow } from '../../repositories/attachment-repository';
import type { AttachmentStore } from '../../store';
import type { Queryable } from '../queryable';

const SELECT = `SELECT a.id AS "rowId", a.public_id AS id, a.conversation_id AS "conversationRowId", c.public_id AS "conversationId",
                       c.visitor_id AS "visitorId", a.message_id AS "messageId", a.client_id AS "clientId", a.uploader,
                       a.storage_key AS "storageKey", a.name, a.mime AS type, a.size, a.sha256, a.created_at AS "createdAt"
                  FROM attachments a JOIN conversations c ON c.id = a.conversation_id`;

const INSERT = `INSERT INTO attachments (public_id, conversation_id, client_id, uploader, operator_id, storage_key, name, mime, size, sha256, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`;
const BY_CLIENT_ID = `${SELECT} WHERE a.conversation_id = $1 AND a.client_id = $2`;
const BY_PUBLIC_ID = `${SELECT} WHERE a.public_id = $1`;
const BY_CONVERSATION = `${SELECT} WHERE a.conversation_id = $1 ORDER BY a.id`;
// One statement: of two messages linking one upload at once, the second waits for the first's row lock,
// finds message_id set and links nothing.
const LINK = `UPDATE attachments SET message_id = $1 WHERE id = $2 AND message_id IS NULL`;
const DELETE_BY_CONVERSATION = `DELETE FROM attachments WHERE conversation_id = $1`;
const COUNT_BY_CONVERSATION = `SELECT count(*) AS n FROM attachments WHERE conversation_id = $1`;
// In key order, byte by byte, as SQLite reads its table (keyed by storage_key).
const TRASH = `SELECT storage_key FROM attachment_trash ORDER BY storage_key COLLATE "C" LIMIT $1`;
const UNTRASH = `DELETE FROM attachment_trash WHERE storage_key = ANY($1::text[])`;
const KEY_EXISTS = `SELECT 1 FROM attachments WHERE storage_key = $1`;
const STORED_KEYS = `SELECT storage_key AS "key", sha256 FROM attachments ORDER BY id`;

/**
 * Attachments' rows in PostgreSQL (the bytes are in the attachment store), and the keys of deleted ones
 * awaiting removal (filled by the attachments_to_trash trigger); the twin of AttachmentRepository.
 */
export class PgAttachmentRepository implements AttachmentStore {
  constructor(private readonly db: Queryable) {}

  async insert(
    row: Omit<AttachmentRow, 'rowId' | 'conversationId' | 'visitorId' | 'messageId'> & { operatorId: number | null },
  ): Promise<number> {
    const values: unknown[] = [row.id, row.conversationRowId, row.clientId, row.uploader, row.operatorId, row.storageKey, row.name];
    values.push(row.type, row.size, row.sha256, row.createdAt);
    return (await this.db.query<{ id: number }>({ name: 'attachment-insert', text: INSERT, values })).rows[0].id;
  }

  async byClientId(conversationRowId: number, clientId: string): Promise<AttachmentRow | null> {
    const { rows } = await this.db.query<AttachmentRow>({
      name: 'attachment-by-client-id',
      text: BY_CLIENT_ID,
      values: [conversationRowId, clientId],
    });
    return rows[0] ?? null;
  }

  async byPublicId(id: string): Promise<AttachmentRow | null> {
    return (await this.db.query<AttachmentRow>({ name: 'attachment-by-public-id', text: BY_PUBLIC_ID, values: [id] })).rows[0] ?? null;
  }

  async byConversation(conversationRowId: number): Promise<AttachmentRow[]> {
    return (await this.db.query<AttachmentRow>({ name: 'attachment-by-conversation', text: BY_CONVERSATION, values: [conversationRowId] }))
      .rows;
  }

  /** Links an unsent attachment to its message; false when it was already sent with another (see LINK). */
  async link(rowId: number, messageId: number): Promise<boolean> {
    return (await this.db.query({ name: 'attachment-link', text: LINK, values: [messageId, rowId] })).rowCount === 1;
  }

  async deleteByConversation(conversationRowId: number): Promise<number> {
    const query = { name: 'attachment-delete-by-conversation', text: DELETE_BY_CONVERSATION, values: [conversationRowId] };
    return (await this.db.query(query)).rowCount ?? 0;
  }

  async countByConversation(conversationRowId: number): Promise<number> {
    const query = { name: 'attachment-count-by-conversation', text: COUNT_BY_CONVERSATION, values: [conversationRowId] };
    return (await this.db.query<{ n: number }>(query)).rows[0].n;
  }

  /** Keys of deleted attachments whose files may still be in the store. */
  async trash(limit = 1000): Promise<string[]> {
    return (await this.db.query<{ storage_key: string }>({ name: 'attachment-trash', text: TRASH, values: [limit] })).rows.map(
      (r) => r.storage_key,
    );
  }

  async untrash(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.db.query({ name: 'attachment-untrash', text: UNTRASH, values: [[...keys]] });
  }

  async keyExists(key: string): Promise<boolean> {
    return (await this.db.query({ name: 'attachment-key-exists', text: KEY_EXISTS, values: [key] })).rows.length > 0;
  }

  /** Every stored file's key and the SHA-256 its bytes must have (moving the files to another store). */
  async storedKeys(): Promise<Array<{ key: string; sha256: string }>> {
    return (await this.db.query<{ key: string; sha256: string }>({ name: 'attachment-stored-keys', text: STORED_KEYS })).rows;
  }
}

import type { RetentionStore } from '../../store';
import type { Queryable } from '../queryable';

// One statement, so the conversations counted are the ones deleted: SQLite's four statements run under its
// one writer, where nothing can reopen a conversation between them. Here the stale conversations are
// locked first (FOR UPDATE: one reopened and committed meanwhile is checked again and kept), then their
// attachments, messages and ratings are deleted (counted) and the conversations with them; notes, read
// marks and transcript wishes go by cascade. Every deleted attachment's key lands in attachment_trash
// (the trigger of migration 1).
const RESOLVED_CONVERSATIONS = `WITH stale AS (
    SELECT id FROM conversations WHERE status = 'resolved' AND updated_at < $1 FOR UPDATE
  ), a AS (
    DELETE FROM attachments WHERE conversation_id IN (SELECT id FROM stale) RETURNING 1
  ), m AS (
    DELETE FROM messages WHERE conversation_id IN (SELECT id FROM stale) RETURNING 1
  ), r AS (
    DELETE FROM conversation_ratings WHERE conversation_id IN (SELECT id FROM stale) RETURNING 1
  ), c AS (
    DELETE FROM conversations WHERE id IN (SELECT id FROM stale) RETURNING 1
  )
  SELECT (SELECT count(*) FROM c) AS conversations, (SELECT count(*) FROM m) AS messages,
         (SELECT count(*) FROM r) AS ratings, (SELECT count(*) FROM a) AS attachments`;
// Uploaded but never sent (the tab closed before the message went): not part of any conversation's record.
const UNSENT_ATTACHMENTS = `DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1`;
// A visitor with no conversation left and not seen within the period holds nothing worth keeping. One seen
// again meanwhile (touch committed first) is checked again on its new row and kept.
const IDLE_VISITORS = `DELETE FROM visitors WHERE last_seen_at < $1
  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = visitors.id)`;
const VERIFICATIONS = `DELETE FROM verifications WHERE expires_at < $1`;
const VERIFICATION_SENDS = `DELETE FROM verification_sends WHERE sent_at < $1`;
const OUTBOX = `DELETE FROM mail_outbox WHERE created_at < $1`;
const EXPORTS = `DELETE FROM data_exports WHERE expires_at < $1`;
const SESSIONS = `DELETE FROM operator_sessions WHERE expires_at < $1`;

/** Every delete the retention job makes, by age, in PostgreSQL; each returns how many rows went. The twin of RetentionRepository. */
export class PgRetentionRepository implements RetentionStore {
  constructor(private readonly db: Queryable) {}

  private async delete(name: string, text: string, before: number): Promise<number> {
    return (await this.db.query({ name, text, values: [before] })).rowCount ?? 0;
  }

  /** Resolved conversations untouched since `before`, with their messages and ratings. */
  async deleteResolvedConversations(
    before: number,
  ): Promise<{ conversations: number; messages: number; ratings: number; attachments: number }> {
    const { rows } = await this.db.query<{ conversations: number; messages: number; ratings: number; attachments: number }>({
      name: 'retention-resolved-conversations',
      text: RESOLVED_CONVERSATIONS,
      values: [before],
    });
    return rows[0];
  }

  /** Attachments uploaded before `before` and never sent with a message. */
  deleteUnsentAttachments(before: number): Promise<number> {
    return this.delete('retention-unsent-attachments', UNSENT_ATTACHMENTS, before);
  }

  deleteIdleVisitors(before: number): Promise<number> {
    return this.delete('retention-idle-visitors', IDLE_VISITORS, before);
  }

  deleteVerificationsExpiredBefore(before: number): Promise<number> {
    return this.delete('retention-verifications', VERIFICATIONS, before);
  }

  deleteVerificationSendsBefore(before: number): Promise<number> {
    return this.delete('retention-verification-sends', VERIFICATION_SENDS, before);
  }

  deleteOutboxMailsBefore(before: number): Promise<number> {
    return this.delete('retention-outbox', OUTBOX, before);
  }

  deleteExportsExpiredBefore(before: number): Promise<number> {
    return this.delete('retention-exports', EXPORTS, before);
  }

  deleteSessionsExpiredBefore(before: number): Promise<number> {
    return this.delete('retention-sessions', SESSIONS, before);
  }
}

import type { Db } from '../open';

/** Every delete the retention job makes, by age; each returns how many rows went. */
export class RetentionRepository {
  private readonly staleMessagesStmt;
  private readonly staleConversationsStmt;
  private readonly staleRatingsStmt;
  private readonly staleAttachmentsStmt;
  private readonly unsentAttachmentsStmt;
  private readonly idleVisitorsStmt;
  private readonly verificationsStmt;
  private readonly verificationSendsStmt;
  private readonly outboxStmt;
  private readonly exportsStmt;
  private readonly sessionsStmt;

  constructor(db: Db) {
    const stale = `SELECT id FROM conversations WHERE status = 'resolved' AND updated_at < ?`;
    // Messages first (counted), then their conversations; notes and read marks go by cascade.
    this.staleMessagesStmt = db.prepare(`DELETE FROM messages WHERE conversation_id IN (${stale})`);
    // Ratings would go by cascade too; deleted first so the run can say how many.
    this.staleRatingsStmt = db.prepare(`DELETE FROM conversation_ratings WHERE conversation_id IN (${stale})`);
    // Attachments go with their messages by cascade; deleted first to be counted. Their files are removed
    // from the store after the commit (the trigger of migration 11 keeps their keys).
    this.staleAttachmentsStmt = db.prepare(`DELETE FROM attachments WHERE conversation_id IN (${stale})`);
    // Uploaded but never sent (the tab closed before the message went): not part of any conversation's record.
    this.unsentAttachmentsStmt = db.prepare(`DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?`);
    this.staleConversationsStmt = db.prepare(`DELETE FROM conversations WHERE id IN (${stale})`);
    // A visitor with no conversation left and not seen within the period holds nothing worth keeping.
    this.idleVisitorsStmt = db.prepare(
      `DELETE FROM visitors WHERE last_seen_at < ? AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = visitors.id)`,
    );
    this.verificationsStmt = db.prepare(`DELETE FROM verifications WHERE expires_at < ?`);
    this.verificationSendsStmt = db.prepare(`DELETE FROM verification_sends WHERE sent_at < ?`);
    this.outboxStmt = db.prepare(`DELETE FROM mail_outbox WHERE created_at < ?`);
    this.exportsStmt = db.prepare(`DELETE FROM data_exports WHERE expires_at < ?`);
    this.sessionsStmt = db.prepare(`DELETE FROM operator_sessions WHERE expires_at < ?`);
  }

  /** Resolved conversations untouched since `before`, with their messages and ratings. */
  deleteResolvedConversations(before: number): { conversations: number; messages: number; ratings: number; attachments: number } {
    const attachments = this.staleAttachmentsStmt.run(before).changes;
    const messages = this.staleMessagesStmt.run(before).changes;
    const ratings = this.staleRatingsStmt.run(before).changes;
    return { conversations: this.staleConversationsStmt.run(before).changes, messages, ratings, attachments };
  }

  /** Attachments uploaded before `before` and never sent with a message. */
  deleteUnsentAttachments(before: number): number {
    return this.unsentAttachmentsStmt.run(before).changes;
  }

  deleteIdleVisitors(before: number): number {
    return this.idleVisitorsStmt.run(before).changes;
  }

  deleteVerificationsExpiredBefore(before: number): number {
    return this.verificationsStmt.run(before).changes;
  }

  deleteVerificationSendsBefore(before: number): number {
    return this.verificationSendsStmt.run(before).changes;
  }

  deleteOutboxMailsBefore(before: number): number {
    return this.outboxStmt.run(before).changes;
  }

  deleteExportsExpiredBefore(before: number): number {
    return this.exportsStmt.run(before).changes;
  }

  deleteSessionsExpiredBefore(before: number): number {
    return this.sessionsStmt.run(before).changes;
  }
}

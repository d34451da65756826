import type { Db } from '../open';
import { AttachmentRepository } from './attachment-repository';
import { AuditRepository } from './audit-repository';
import { CannedReplyRepository } from './canned-reply-repository';
import { DataSystemRepository } from './data-system-repository';
import { ConversationRepository } from './conversation-repository';
import { ExportRepository } from './export-repository';
import { InboxRepository } from './inbox-repository';
import { IntegrationRepository } from './integration-repository';
import { MailRepository } from './mail-repository';
import { MessageRepository } from './message-repository';
import { NoteRepository } from './note-repository';
import { OfflineReplyRepository } from './offline-reply-repository';
import { OperatorRepository } from './operator-repository';
import { PrivacyMessageRepository } from './privacy-message-repository';
import { PrivacyRepository } from './privacy-repository';
import { PrechatRepository } from './prechat-repository';
import { RetentionRepository } from './retention-repository';
import { SettingsRepository } from './settings-repository';
import { RatingRepository } from './rating-repository';
import { TranscriptRepository } from './transcript-repository';
import { VerificationRepository } from './verification-repository';
import { VisitorRepository } from './visitor-repository';

/**
 * The repositories on one connection: the main thread's (reads only) or the writer thread's (the write
 * procedures). Each prepares its statements once, when built.
 */
export function createRepositories(db: Db) {
  return {
    operators: new OperatorRepository(db),
    visitors: new VisitorRepository(db),
    conversations: new ConversationRepository(db),
    messages: new MessageRepository(db),
    offlineReplies: new OfflineReplyRepository(db),
    requests: new PrivacyRepository(db),
    requestMessages: new PrivacyMessageRepository(db),
    verifications: new VerificationRepository(db),
    audit: new AuditRepository(db),
    mail: new MailRepository(db),
    exports: new ExportRepository(db),
    integrations: new IntegrationRepository(db),
    notes: new NoteRepository(db),
    inbox: new InboxRepository(db),
    settings: new SettingsRepository(db),
    canned: new CannedReplyRepository(db),
    retention: new RetentionRepository(db),
    ratings: new RatingRepository(db),
    transcripts: new TranscriptRepository(db),
    attachments: new AttachmentRepository(db),
    systems: new DataSystemRepository(db),
    prechat: new PrechatRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

import type { Stores } from '../../store';
import type { Queryable } from '../queryable';
import { PgAttachmentRepository } from './attachment-repository';
import { PgAuditRepository } from './audit-repository';
import { PgCannedReplyRepository } from './canned-reply-repository';
import { PgConversationRepository } from './conversation-repository';
import { PgDataSystemRepository } from './data-system-repository';
import { PgExportRepository } from './export-repository';
import { PgInboxRepository } from './inbox-repository';
import { PgIntegrationRepository } from './integration-repository';
import { PgMailRepository } from './mail-repository';
import { PgMessageRepository } from './message-repository';
import { PgNoteRepository } from './note-repository';
import { PgOfflineReplyRepository } from './offline-reply-repository';
import { PgOperatorRepository } from './operator-repository';
import { PgPrechatRepository } from './prechat-repository';
import { PgPrivacyMessageRepository } from './privacy-message-repository';
import { PgPrivacyRepository } from './privacy-repository';
import { PgRatingRepository } from './rating-repository';
import { PgRetentionRepository } from './retention-repository';
import { PgSettingsRepository } from './settings-repository';
import { PgTranscriptRepository } from './transcript-repository';
import { PgVerificationRepository } from './verification-repository';
import { PgVisitorRepository } from './visitor-repository';

/**
 * Every PostgreSQL repository on `db`, under the same names createRepositories gives the SQLite ones:
 * on the pool for reads, or on one client inside a write transaction with `lockForWrite`, where reading
 * a conversation, a privacy request or a verification locks it until COMMIT — what SQLite's single
 * writer gave for free, explicit for writers on several nodes.
 */
export function createPgRepositories(db: Queryable, options: { lockForWrite?: boolean } = {}): Stores {
  const lock = { lockForWrite: options.lockForWrite === true };
  return {
    operators: new PgOperatorRepository(db),
    visitors: new PgVisitorRepository(db),
    conversations: new PgConversationRepository(db, lock),
    messages: new PgMessageRepository(db),
    offlineReplies: new PgOfflineReplyRepository(db),
    requests: new PgPrivacyRepository(db, lock),
    requestMessages: new PgPrivacyMessageRepository(db),
    verifications: new PgVerificationRepository(db, lock),
    audit: new PgAuditRepository(db),
    mail: new PgMailRepository(db),
    exports: new PgExportRepository(db),
    integrations: new PgIntegrationRepository(db),
    notes: new PgNoteRepository(db),
    inbox: new PgInboxRepository(db),
    settings: new PgSettingsRepository(db),
    canned: new PgCannedReplyRepository(db),
    retention: new PgRetentionRepository(db),
    ratings: new PgRatingRepository(db),
    transcripts: new PgTranscriptRepository(db),
    attachments: new PgAttachmentRepository(db),
    systems: new PgDataSystemRepository(db),
    prechat: new PgPrechatRepository(db),
  };
}

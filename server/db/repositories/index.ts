import type { Db } from '../open';
import { AuditRepository } from './audit-repository';
import { ConversationRepository } from './conversation-repository';
import { ExportRepository } from './export-repository';
import { IntegrationRepository } from './integration-repository';
import { MailRepository } from './mail-repository';
import { MessageRepository } from './message-repository';
import { NoteRepository } from './note-repository';
import { OperatorRepository } from './operator-repository';
import { PrivacyRepository } from './privacy-repository';
import { RatingRepository } from './rating-repository';
import { VerificationRepository } from './verification-repository';
import { VisitorRepository } from './visitor-repository';

/** The repositories the services share, on one connection (the main thread's, or the writer thread's). */
export function createRepositories(db: Db) {
  return {
    operators: new OperatorRepository(db),
    visitors: new VisitorRepository(db),
    conversations: new ConversationRepository(db),
    messages: new MessageRepository(db),
    requests: new PrivacyRepository(db),
    verifications: new VerificationRepository(db),
    audit: new AuditRepository(db),
    mail: new MailRepository(db),
    exports: new ExportRepository(db),
    integrations: new IntegrationRepository(db),
    notes: new NoteRepository(db),
    ratings: new RatingRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

import { createAttachmentWrites } from '../attachments/attachment-writes';
import { createChatWrites, REFUSE_BEFORE_WRITING } from '../chat/chat-writes';
import { createConsoleWrites } from '../console/console-writes';
import type { Db } from '../db/open';
import { createRepositories } from '../db/repositories/index';
import { createMailWrites } from '../mail/mail-writes';
import { createPrivacyWrites } from '../privacy/privacy-writes';
import { createRetentionWrites } from '../retention/retention-writes';
import { createRatingWrites } from '../chat/rating-writes';
import { createSettingsWrites } from '../console/settings-writes';
import { createTranscriptWrites } from '../chat/transcript-writes';
import { createPrechatWrites } from '../chat/prechat-writes';
import { createOfflineReplyWrites } from '../chat/offline-reply-writes';
import type { WriterOptions } from './protocol';
import { sqliteTransactions, type TransactionControl } from './transaction';
import type { Stores } from '../db/store';

/**
 * Every write the app makes, as named procedures on one connection: the writer thread's (the server) or
 * the admin command's own (a separate process). Each feature keeps its write rules beside its service.
 */
export function createWriteProcedures(db: Db, options: WriterOptions) {
  return createWriteProceduresOn(createRepositories(db), sqliteTransactions(db), options);
}

/**
 * The same procedures on any store: its repositories and its transactions (PostgreSQL's writer builds them
 * on its write client, db/pg/pg-writer.ts). Built once: some procedures count in memory (message limits).
 */
export function createWriteProceduresOn(repos: Stores, transactions: TransactionControl, options: WriterOptions) {
  return {
    ...createChatWrites(repos, options.limits, options.offlineReplyDelayMs),
    ...createConsoleWrites(repos),
    ...createPrivacyWrites(transactions, repos, options.privacy),
    ...createRetentionWrites(repos),
    ...createMailWrites(repos),
    ...createRatingWrites(repos),
    ...createSettingsWrites({ settings: repos.settings }),
    ...createTranscriptWrites(repos),
    ...createAttachmentWrites(repos),
    ...createPrechatWrites(repos),
    ...createOfflineReplyWrites(repos),
  };
}

export type WriterProcedures = ReturnType<typeof createWriteProcedures>;

/** The procedures group commit may run without a savepoint (each throws its refusals before it writes). */
export const UNGUARDED_WRITES: ReadonlySet<string> = new Set<keyof WriterProcedures>(REFUSE_BEFORE_WRITING);

import type { AttachmentRepository } from './repositories/attachment-repository';
import type { AuditRepository } from './repositories/audit-repository';
import type { CannedReplyRepository } from './repositories/canned-reply-repository';
import type { ConversationRepository } from './repositories/conversation-repository';
import type { DataSystemRepository } from './repositories/data-system-repository';
import type { ExportRepository } from './repositories/export-repository';
import type { InboxRepository } from './repositories/inbox-repository';
import type { IntegrationRepository } from './repositories/integration-repository';
import type { MailRepository } from './repositories/mail-repository';
import type { MessageRepository } from './repositories/message-repository';
import type { NoteRepository } from './repositories/note-repository';
import type { OfflineReplyRepository } from './repositories/offline-reply-repository';
import type { OperatorRepository } from './repositories/operator-repository';
import type { PrechatRepository } from './repositories/prechat-repository';
import type { PrivacyMessageRepository } from './repositories/privacy-message-repository';
import type { PrivacyRepository } from './repositories/privacy-repository';
import type { RatingRepository } from './repositories/rating-repository';
import type { RetentionRepository } from './repositories/retention-repository';
import type { SettingsRepository } from './repositories/settings-repository';
import type { TranscriptRepository } from './repositories/transcript-repository';
import type { VerificationRepository } from './repositories/verification-repository';
import type { VisitorRepository } from './repositories/visitor-repository';
import type { Repositories } from './repositories/index';

/**
 * The asynchronous form of a repository's public methods: what a store that answers over the network
 * (PostgreSQL) offers. Derived from the SQLite class, so a method added, removed or changed there is a
 * type error in every other store until it follows. (`keyof` of a class sees only its public members.)
 */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/**
 * A repository as code that runs on either store sees it: each method answers now (SQLite, on this thread)
 * or later (PostgreSQL, over the network), and the caller awaits it either way. Both the SQLite classes and
 * the PostgreSQL ones are assignable to it, so services and write procedures written against it run on
 * both; forgetting an `await` is a type error wherever the answer is used.
 */
export type MaybeAsync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> | Promise<Awaited<R>> : never;
};

/** Every repository of one connection, as either store provides them (the keys of createRepositories). */
export type Stores = { [K in keyof Repositories]: MaybeAsync<Repositories[K]> };

/** Visitors, as every store keeps them (the PostgreSQL repositories implement these). */
export type VisitorStore = Async<VisitorRepository>;
/** Conversations, as every store keeps them. */
export type ConversationStore = Async<ConversationRepository>;
/** Messages, as every store keeps them. */
export type MessageStore = Async<MessageRepository>;
/** Operators and their sessions, as every store keeps them. */
export type OperatorStore = Async<OperatorRepository>;
/** Read marks, unread counts and message search, as every store keeps them. */
export type InboxStore = Async<InboxRepository>;
/** Admin settings, as every store keeps them (`get`'s type parameter does not survive the mapping: it answers unknown). */
export type SettingsStore = Async<SettingsRepository>;
/** The hash-chained audit log, as every store keeps it. */
export type AuditStore = Async<AuditRepository>;

/** One-time verification codes, as every store keeps them. */
export type VerificationStore = Async<VerificationRepository>;
/** Privacy requests (tickets), as every store keeps them. */
export type PrivacyStore = Async<PrivacyRepository>;
/** A privacy request's thread, as every store keeps it. */
export type PrivacyMessageStore = Async<PrivacyMessageRepository>;
/** Copies of mails in the dev outbox, as every store keeps them. */
export type MailStore = Async<MailRepository>;
/** Operators' internal notes, as every store keeps them. */
export type NoteStore = Async<NoteRepository>;
/** Canned replies, as every store keeps them. */
export type CannedReplyStore = Async<CannedReplyRepository>;
/** Conversation ratings, as every store keeps them. */
export type RatingStore = Async<RatingRepository>;
/** Operators' replies waiting to go to visitors by e-mail, as every store keeps them. */
export type OfflineReplyStore = Async<OfflineReplyRepository>;
/** Conversations whose transcript a visitor asked to be mailed, as every store keeps them. */
export type TranscriptStore = Async<TranscriptRepository>;
/** Attachments' metadata, as every store keeps it. */
export type AttachmentStore = Async<AttachmentRepository>;
/** Consent texts, visitors' acceptances and pre-chat answers, as every store keeps them. */
export type PrechatStore = Async<PrechatRepository>;
/** API keys and webhooks, as every store keeps them. */
export type IntegrationStore = Async<IntegrationRepository>;
/** The retention job's deletes by age, as every store makes them. */
export type RetentionStore = Async<RetentionRepository>;
/** One-time download links for access-request exports, as every store keeps them. */
export type ExportStore = Async<ExportRepository>;
/** Other systems holding visitors' data, and erasure proofs, as every store keeps them. */
export type DataSystemStore = Async<DataSystemRepository>;

/**
 * Whether `err` is a unique (or primary key) violation, from either store: SQLite's SqliteError codes or
 * PostgreSQL's SQLSTATE 23505. The one test a caller needs to tell "exists already" from a real failure.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

import type { AuditRepository } from './repositories/audit-repository';
import type { ConversationRepository } from './repositories/conversation-repository';
import type { InboxRepository } from './repositories/inbox-repository';
import type { MessageRepository } from './repositories/message-repository';
import type { OperatorRepository } from './repositories/operator-repository';
import type { SettingsRepository } from './repositories/settings-repository';
import type { VisitorRepository } from './repositories/visitor-repository';

/**
 * The asynchronous form of a repository's public methods: what a store that answers over the network
 * (PostgreSQL) offers. Derived from the SQLite class, so a method added, removed or changed there is a
 * type error in every other store until it follows. (`keyof` of a class sees only its public members.)
 */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

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

/**
 * Whether `err` is a unique (or primary key) violation, from either store: SQLite's SqliteError codes or
 * PostgreSQL's SQLSTATE 23505. The one test a caller needs to tell "exists already" from a real failure.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

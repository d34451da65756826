import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from '../db/open';
import { ThreadWriter } from './client';
import type { WriterOptions, WriterThreadData } from './protocol';
import type { ChatWrites } from '../chat/chat-writes';
import type { PrivacyWrites } from '../privacy/privacy-writes';
import type { RatingWrites } from '../chat/rating-writes';
import type { SettingsWrites } from '../console/settings-writes';
import { threadSpawner } from '../platform/threads';

/**
 * Every procedure the writer thread runs: the chat's messages and hellos, the chat's privacy intake,
 * visitors' ratings and the admin's widget settings.
 */
export type WriterProcedures = ChatWrites & PrivacyWrites & RatingWrites & SettingsWrites;

/** Starts the writer thread on `db`'s file. */
export function startWriter(db: Db, options: WriterOptions, log: Logger): ThreadWriter<WriterProcedures> {
  if (db.memory) throw new Error('The writer thread needs a database file; an in-memory database cannot be shared with it.');
  return new ThreadWriter<WriterProcedures>(writerThreadSpawner(db.name, options), log);
}

/** How to start one writer thread on the database file (again, should one stop). */
export function writerThreadSpawner(databasePath: string, options: WriterOptions): () => Worker {
  return threadSpawner('writer/writer-thread', { databasePath, ...options } satisfies WriterThreadData);
}

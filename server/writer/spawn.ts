import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from '../db/open';
import { threadSpawner } from '../platform/threads';
import { ThreadWriter } from './client';
import type { WriterProcedures } from './procedures';
import type { WriterOptions, WriterThreadData } from './protocol';

export type { WriterProcedures };

/** Starts the writer thread on `db`'s file. */
export function startWriter(db: Db, options: WriterOptions, log: Logger): ThreadWriter<WriterProcedures> {
  if (db.memory) throw new Error('The writer thread needs a database file; an in-memory database cannot be shared with it.');
  return new ThreadWriter<WriterProcedures>(writerThreadSpawner(db.name, options), log);
}

/** How to start one writer thread on the database file (again, should one stop). */
export function writerThreadSpawner(databasePath: string, options: WriterOptions): () => Worker {
  return threadSpawner('writer/writer-thread', { databasePath, ...options } satisfies WriterThreadData);
}

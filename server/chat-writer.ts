import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './db/open';
import { ThreadWriter } from './db/writer';
import type { ChatWrites, MessageLimits } from './services/chat-writes';
import type { WriterThreadData } from './writer-thread';

/**
 * Starts the chat's writer thread on `db`'s file. From a production bundle the thread runs the compiled
 * writer-thread.js beside it; from the TypeScript sources (npm start, tests) a small loader compiles
 * writer-thread.ts in the thread.
 */
export function startChatWriter(db: Db, writeTurns: SharedArrayBuffer, limits: MessageLimits | undefined, log: Logger): ThreadWriter<ChatWrites> {
  if (db.memory) throw new Error('The writer thread needs a database file; an in-memory database cannot be shared with it.');
  return new ThreadWriter<ChatWrites>(writerThreadSpawner(db.name, writeTurns, limits), log);
}

/** How to start one writer thread on the database file (again, should one stop). */
export function writerThreadSpawner(databasePath: string, writeTurns: SharedArrayBuffer, limits: MessageLimits | undefined): () => Worker {
  const data: WriterThreadData = { databasePath, limits, writeTurns };
  const compiled = new URL('./writer-thread.js', import.meta.url);
  if (fs.existsSync(compiled)) return () => new Worker(compiled, { workerData: data });
  const loader = new URL('./writer-thread-loader.mjs', import.meta.url);
  const entry = new URL('./writer-thread.ts', import.meta.url).href;
  return () => new Worker(loader, { workerData: { ...data, entry } });
}

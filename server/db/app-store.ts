import type pg from 'pg';
import type { Logger } from 'pino';
import type { Writer, WriterStats } from '../writer/group-commit';
import { createWriteProceduresOn, UNGUARDED_WRITES, type WriterProcedures } from '../writer/procedures';
import type { WriterOptions } from '../writer/protocol';
import { startWriter } from '../writer/spawn';
import type { Db } from './open';
import { migratePg } from './pg/migrate-pg';
import { PgWriter } from './pg/pg-writer';
import { createPgRepositories } from './pg/repositories/index';
import { createRepositories } from './repositories/index';
import type { Stores } from './store';

/** The one writer of this node, whichever store: what the app holds besides `Writer`. */
export interface AppWriter extends Writer<WriterProcedures> {
  readonly stats: WriterStats;
  /** Resolves once every write asked for so far has been answered. */
  settled(): Promise<void>;
  /** Refuses new writes and commits those already asked for. */
  close(): Promise<void>;
}

/** Where the app reads (`repos`) and writes (`writer`): the SQLite file, or PostgreSQL shared by several nodes. */
export interface AppStore {
  kind: 'sqlite' | 'postgres';
  repos: Stores;
  writer: AppWriter;
}

/**
 * The SQLite store: the writer thread (the one connection that writes) started and ready, then `db` made
 * read-only — every write goes through the thread; one here would be a bug, and fails loudly instead of
 * taking the lock.
 */
export async function openSqliteStore(db: Db, options: WriterOptions, log: Logger): Promise<AppStore> {
  const writer = startWriter(db, options, log);
  // A server that cannot store messages must not take connections: fail the start instead.
  await writer.ready;
  db.pragma('query_only = ON');
  return { kind: 'sqlite', repos: createRepositories(db), writer };
}

/**
 * The PostgreSQL store: the schema brought up to date (under an advisory lock, so nodes starting together
 * migrate once), reads on the pool, and this node's writer (PgWriter) on clients of the same pool.
 */
export async function openPostgresStore(pool: pg.Pool, options: WriterOptions, log: Logger): Promise<AppStore> {
  await migratePg(pool);
  const writer = new PgWriter<WriterProcedures>(
    pool,
    (stores, transactions) => createWriteProceduresOn(stores, transactions, options),
    UNGUARDED_WRITES,
    log,
  );
  return { kind: 'postgres', repos: createPgRepositories(pool), writer };
}

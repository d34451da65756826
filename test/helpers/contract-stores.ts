import type pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Db, openDatabase } from '../../server/db/open';
import { migratePg } from '../../server/db/pg/migrate-pg';
import { openPgPool } from '../../server/db/pg/pg-pool';
import { cleanupStack } from './cleanup';
import { startPostgres, type TestPostgres } from './postgres';

/**
 * A repository as a contract test calls it: a SQLite method answers at once and a PostgreSQL one with a
 * promise, and `await` takes either.
 */
export type Either<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> | Promise<Awaited<R>> : never;
};

/** One repository's two classes: the SQLite one, and its PostgreSQL twin, which must honour the same contract. */
export type RepositoryPair<T> = readonly [sqlite: new (db: Db) => T, postgres: new (pool: pg.Pool) => NoInfer<Either<T>>];

/** Statements on the store under test (`?` placeholders), for fixtures and checks on tables no repository there covers. */
export interface StoreQueries {
  /** Runs a statement. */
  exec(sql: string, ...params: unknown[]): Promise<void>;
  /** A query's rows (lower-case, snake_case column names). */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
}

/** Every repository of one store, opened on its own fresh database, with `exec` and `rows` on that database. */
export type OpenStore<M> = { [K in keyof M]: Either<M[K]> } & StoreQueries;

/** What `store.open()` gives, for the `let s` of a `describe.each(stores)`: `let s: Opened<typeof store>`. */
export type Opened<S extends { open(): Promise<unknown> }> = Awaited<ReturnType<S['open']>>;

/** One of the two stores a contract runs on, named for `describe.each`'s `$name`. */
export interface ContractStore<M> {
  name: 'sqlite' | 'postgres';
  /** Every repository on a fresh SQLite file, or on a fresh migrated PostgreSQL database; closed after the test. */
  open(): Promise<OpenStore<M>>;
}

/** A transaction on a client of its own, rolled back and released after the test unless ended before. */
export interface PgTransaction {
  client: pg.PoolClient;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** What a contract test file gets from `contractStores`. */
export interface ContractStores<M> {
  /** SQLite, then PostgreSQL: `describe.each(stores)('… on $name', …)`. */
  stores: [ContractStore<M>, ContractStore<M>];
  /** A pool on a fresh, migrated PostgreSQL database, ended after the test. */
  freshPgPool(): Promise<pg.Pool>;
  /** A transaction on its own client of `pool` (see PgTransaction). */
  begin(pool: pg.Pool): Promise<PgTransaction>;
}

/** `sql` with its `?` placeholders numbered `$1`, `$2`… for PostgreSQL. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * The two stores of a contract test file, each opening every repository in `repositories` (by name); starts
 * PostgreSQL for the file and registers its hooks, so call it once, at the top level. Temp directories are
 * named after `tempPrefix`.
 */
export function contractStores<M>(tempPrefix: string, repositories: { [K in keyof M]: RepositoryPair<M[K]> }): ContractStores<M> {
  const cleanup = cleanupStack(tempPrefix);
  let postgres: TestPostgres;

  beforeAll(async () => {
    postgres = await startPostgres();
  });

  afterEach(cleanup.runAll);

  afterAll(async () => {
    await postgres?.stop();
  });

  const pairs = Object.entries(repositories) as Array<[string, RepositoryPair<unknown>]>;

  async function freshPgPool(): Promise<pg.Pool> {
    const pool = openPgPool(await postgres.createDatabase(), { max: 4 });
    pool.on('error', () => {});
    cleanup.push(() => pool.end());
    await migratePg(pool);
    return pool;
  }

  const sqlite: ContractStore<M> = {
    name: 'sqlite',
    async open() {
      const db: Db = openDatabase(`${cleanup.tempDir()}/chat.db`);
      cleanup.push(() => db.close());
      const queries: StoreQueries = {
        async exec(sql, ...params) {
          db.prepare(sql).run(...params);
        },
        async rows<T>(sql: string, ...params: unknown[]) {
          return db.prepare(sql).all(...params) as T[];
        },
      };
      return Object.assign(Object.fromEntries(pairs.map(([name, [Sqlite]]) => [name, new Sqlite(db)])), queries) as OpenStore<M>;
    },
  };

  const postgresStore: ContractStore<M> = {
    name: 'postgres',
    async open() {
      const pool = await freshPgPool();
      const queries: StoreQueries = {
        async exec(sql, ...params) {
          await pool.query(numbered(sql), params);
        },
        async rows<T>(sql: string, ...params: unknown[]) {
          return (await pool.query(numbered(sql), params)).rows as T[];
        },
      };
      return Object.assign(Object.fromEntries(pairs.map(([name, [, Pg]]) => [name, new Pg(pool)])), queries) as OpenStore<M>;
    },
  };

  async function begin(pool: pg.Pool): Promise<PgTransaction> {
    const client = await pool.connect();
    await client.query('BEGIN');
    let open = true;
    cleanup.push(async () => {
      if (open) await client.query('ROLLBACK').catch(() => {});
      client.release();
    });
    return {
      client,
      async commit() {
        await client.query('COMMIT');
        open = false;
      },
      async rollback() {
        await client.query('ROLLBACK');
        open = false;
      },
    };
  }

  return { stores: [sqlite, postgresStore], freshPgPool, begin };
}

/** The error `call` rejects (or a SQLite call throws) with; fails the test if it succeeds. */
export async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

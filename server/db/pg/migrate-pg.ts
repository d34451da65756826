import type pg from 'pg';
import m001 from './migrations/001-chat';
import m002 from './migrations/002-privacy';
import m003 from './migrations/003-search';

/**
 * PostgreSQL's numbered migrations, applied in order; `schema_migrations` records each one applied. The
 * first three give the schema SQLite's migrations 1–14 give; a later SQLite migration gets its
 * PostgreSQL twin appended here (test/integration/pg-schema.test.ts fails until it has one).
 */
export const PG_MIGRATIONS: readonly string[] = [m001, m002, m003];

/**
 * The key of the advisory lock every migrating node takes: any constant works, as long as it is this
 * app's alone in the database ("cw-mig" in ASCII).
 */
export const PG_MIGRATION_LOCK = 0x63772d6d6967;

/** What a run of migratePg did. */
export interface PgMigrationResult {
  /** The schema's version afterwards: always PG_MIGRATIONS.length. */
  version: number;
  /** The versions this call applied itself, in order (empty when another node had done them). */
  applied: number[];
}

/**
 * Brings the schema up to date, each migration in its own transaction under a transaction-scoped advisory
 * lock, the version read again once the lock is held: nodes starting at once apply each migration exactly
 * once between them, and every call returns only when the schema is complete. Transaction-scoped (not a
 * session lock) so it also holds behind a pooler that hands each transaction its own connection.
 */
export async function migratePg(pool: pg.Pool, now: () => number = Date.now): Promise<PgMigrationResult> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await checkDatabase(client);
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [PG_MIGRATION_LOCK]);
        // Under the lock: two nodes creating it at once would collide on the catalog.
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version    integer PRIMARY KEY,
          applied_at bigint NOT NULL
        )`);
        const { rows } = await client.query<{ version: number }>(
          'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
        );
        const current = rows[0].version;
        if (current > PG_MIGRATIONS.length) {
          throw new Error(`database schema version ${current} is newer than this server (${PG_MIGRATIONS.length})`);
        }
        if (current === PG_MIGRATIONS.length) {
          await client.query('COMMIT');
          return { version: current, applied };
        }
        const version = current + 1;
        await client.query(PG_MIGRATIONS[version - 1]);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, now()]);
        await client.query('COMMIT');
        applied.push(version);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  } finally {
    client.release();
  }
}

/**
 * Refuses a database in which search would quietly miss words: without UTF-8, Russian text cannot be
 * stored, and with LC_CTYPE C the text-search parser does not lower-case Cyrillic ("Доставка" would not
 * be found by "достав"). Checked by what the database does, not by its settings' names.
 */
async function checkDatabase(client: pg.PoolClient): Promise<void> {
  const setting = async (name: string) =>
    (await client.query<{ value: string }>('SELECT current_setting($1) AS value', [name])).rows[0].value;
  const advice = `create it with ENCODING 'UTF8' and a UTF-8 LC_CTYPE, e.g. CREATE DATABASE chat TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`;
  const encoding = await setting('server_encoding');
  if (encoding !== 'UTF8') throw new Error(`PostgreSQL database has ENCODING ${encoding}, which cannot hold every message: ${advice}`);
  const { rows } = await client.query<{ folds: boolean }>(
    `SELECT to_tsvector('simple'::regconfig, 'ДОСТАВКА Delivery') = to_tsvector('simple'::regconfig, 'доставка delivery') AS folds`,
  );
  if (!rows[0].folds) {
    const ctype = await setting('lc_ctype');
    throw new Error(`PostgreSQL database has LC_CTYPE ${ctype}, in which search cannot match Russian words regardless of case: ${advice}`);
  }
}

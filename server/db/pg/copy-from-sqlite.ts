import Database from 'better-sqlite3';
import type pg from 'pg';
import type { ChainReport } from '../audit-chain';
import { MIGRATIONS } from '../migrate';
import { AuditRepository } from '../repositories/audit-repository';
import { migratePg } from './migrate-pg';
import { PgAuditRepository } from './repositories/audit-repository';

/**
 * SQLite tables with no PostgreSQL twin, skipped by name (test/integration/pg-schema.test.ts says why for
 * each): FTS5's table and shadow tables (PostgreSQL searches a generated tsvector), the FTS5 batch
 * bookmark, and SQLite's own bookkeeping. Any other SQLite table PostgreSQL lacks is an error.
 */
export const SQLITE_ONLY_TABLES: readonly string[] = [
  'messages_fts',
  'messages_fts_data',
  'messages_fts_idx',
  'messages_fts_docsize',
  'messages_fts_config',
  'search_index_state',
  'sqlite_sequence',
  'sqlite_stat1',
  'sqlite_stat4',
];

/** PostgreSQL tables with no SQLite twin: the migrations' bookkeeping (SQLite keeps PRAGMA user_version). */
export const PG_ONLY_TABLES: readonly string[] = ['schema_migrations'];

/** Rows per multi-row INSERT (fewer for a wide table: PostgreSQL takes at most 65,535 parameters). */
const CHUNK_ROWS = 1000;
const MAX_PARAMETERS = 65_535;

/** The copy was refused before anything was written, or undone: the message says why. */
export class CopyRefused extends Error {}

export interface TableCopy {
  table: string;
  rows: number;
}

export interface CopyReport {
  tables: TableCopy[];
  /** The chain as PostgreSQL verifies it after the copy (the same entries and head as SQLite's). */
  audit: ChainReport;
}

interface PgColumn {
  name: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
  identityAlways: boolean;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Opens the SQLite file read-only: nothing in it is changed, not even its schema (openDatabase would
 * migrate it). A missing file is an error, not a new empty database.
 */
export function openSqliteReadOnly(file: string): Database.Database {
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new CopyRefused(`Cannot open the SQLite database ${file}: ${(err as Error).message}`);
  }
}

/**
 * Copies every app table of `sqlite` (at the latest migration) into the PostgreSQL database of `pool`,
 * which must hold no rows: its schema is brought up to date with migratePg first, then every table is
 * copied, parents before children, in one transaction, a chunk of rows per INSERT, read from one SQLite
 * read transaction (a consistent snapshot even while a server writes to the file). Values are converted
 * by the PostgreSQL column's type; generated columns are left to PostgreSQL. Afterwards every identity
 * sequence continues past the highest id SQLite ever handed out, the row counts are compared table by
 * table and the audit chain is verified on PostgreSQL; any difference undoes the whole copy.
 */
export async function copySqliteToPostgres(sqlite: Database.Database, pool: pg.Pool): Promise<CopyReport> {
  const version = sqlite.pragma('user_version', { simple: true }) as number;
  if (version !== MIGRATIONS.length) {
    throw new CopyRefused(
      `The SQLite database is at migration ${version}, this server's latest is ${MIGRATIONS.length}: ${
        version < MIGRATIONS.length
          ? 'start the server on it once (it migrates on start), then copy it'
          : 'use the newer server that wrote it'
      }. Nothing was copied.`,
    );
  }
  const sqliteAudit = new AuditRepository(sqlite).verifyChain();
  if (!sqliteAudit.intact) {
    throw new CopyRefused(
      `The SQLite audit log's chain is broken at entry #${sqliteAudit.brokenAt}; a copy would carry the break. Nothing was copied (see verify-audit).`,
    );
  }

  // Before migratePg, which would otherwise create tables in a database that already holds something else.
  await refuseNonEmpty(pool, await pgTables(pool));
  await migratePg(pool);
  const tables = await pgTables(pool);
  const order = await foreignKeyOrder(pool, tables);
  const sqliteTables = (
    sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]
  ).filter((name) => !SQLITE_ONLY_TABLES.includes(name));
  const unknown = sqliteTables.filter((name) => !tables.includes(name));
  if (unknown.length) throw new CopyRefused(`SQLite table(s) with no PostgreSQL twin: ${unknown.join(', ')}. Nothing was copied.`);
  const missing = tables.filter((name) => !sqliteTables.includes(name));
  if (missing.length) throw new CopyRefused(`PostgreSQL table(s) with no SQLite twin: ${missing.join(', ')}. Nothing was copied.`);

  const client = await pool.connect();
  const copied: TableCopy[] = [];
  sqlite.exec('BEGIN');
  try {
    // The first read fixes the snapshot every table is read from.
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
    await client.query('BEGIN');
    // Nothing else writes these tables until the copy commits; reads may go on.
    await client.query(`LOCK TABLE ${order.map(quote).join(', ')} IN EXCLUSIVE MODE`);
    await refuseNonEmpty(client, order);
    for (const table of order) {
      try {
        copied.push({ table, rows: await copyTable(sqlite, client, table) });
      } catch (err) {
        if (err instanceof CopyRefused) throw err;
        // PostgreSQL's message names the constraint (e.g. a unique key that folds case more widely than
        // SQLite's NOCASE); its detail, which would show the values, is not repeated.
        throw new CopyRefused(`Copying ${table} failed: ${(err as Error).message}. Nothing was kept.`);
      }
    }
    await setSequences(sqlite, client, order);

    const differ: string[] = [];
    for (const { table, rows } of copied) {
      const inSqlite = sqlite
        .prepare(`SELECT count(*) FROM ${quote(table)}`)
        .pluck()
        .get() as number;
      const { rows: counted } = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`);
      if (inSqlite !== rows || counted[0].n !== rows) differ.push(`${table}: SQLite ${inSqlite}, PostgreSQL ${counted[0].n}`);
    }
    if (differ.length) throw new CopyRefused(`Row counts differ after the copy (${differ.join('; ')}); nothing was kept.`);
    const audit = await new PgAuditRepository(client).verifyChain();
    if (!audit.intact || audit.entries !== sqliteAudit.entries || audit.head !== sqliteAudit.head) {
      throw new CopyRefused(
        `The audit chain does not verify on PostgreSQL (${audit.entries} entries, intact ${audit.intact}, SQLite ${sqliteAudit.entries}); nothing was kept.`,
      );
    }
    await client.query('COMMIT');
    return { tables: copied, audit };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
    sqlite.exec('COMMIT');
  }
}

/** The app's tables in PostgreSQL's public schema (schema_migrations aside). */
async function pgTables(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  return rows.map((r) => r.name).filter((name) => !PG_ONLY_TABLES.includes(name));
}

/** Refuses a target in which any of `tables` holds a row. */
async function refuseNonEmpty(db: pg.Pool | pg.PoolClient, tables: string[]): Promise<void> {
  const filled: string[] = [];
  for (const table of tables) {
    const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS any`);
    if (rows[0].any) filled.push(table);
  }
  if (filled.length) {
    throw new CopyRefused(
      `The PostgreSQL database already holds data (in ${filled.join(', ')}); copy only into an empty database. Nothing was written.`,
    );
  }
}

/** `tables` with every table after the tables its foreign keys point to (a table's references to itself aside). */
async function foreignKeyOrder(db: pg.Pool, tables: string[]): Promise<string[]> {
  const { rows } = await db.query<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
       FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`,
  );
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of rows) if (child !== parent) parents.get(child)?.add(parent);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: string) => {
    if (state.get(table) === 'done') return;
    if (state.get(table) === 'visiting') throw new CopyRefused(`Foreign keys form a cycle through ${table}; cannot order the copy.`);
    state.set(table, 'visiting');
    for (const parent of parents.get(table) ?? []) visit(parent);
    state.set(table, 'done');
    order.push(table);
  };
  for (const table of tables) visit(table);
  return order;
}

/** The target table's columns, as information_schema describes them. */
async function pgColumns(db: pg.PoolClient, table: string): Promise<PgColumn[]> {
  const { rows } = await db.query<{
    name: string;
    type: string;
    nullable: string;
    default: string | null;
    generated: string;
    identity: string | null;
  }>(
    `SELECT column_name AS name, data_type AS type, is_nullable AS nullable, column_default AS default,
            is_generated AS generated, identity_generation AS identity
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => ({
    name: r.name,
    type: r.type,
    notNull: r.nullable === 'NO',
    hasDefault: r.default !== null || r.identity !== null,
    generated: r.generated === 'ALWAYS',
    identityAlways: r.identity === 'ALWAYS',
  }));
}

/** One SQLite value as the PostgreSQL column of `type` takes it; `where` names the column for an error. */
function convert(value: unknown, type: string, where: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'boolean':
      if (value === 0n || value === 0) return false;
      if (value === 1n || value === 1) return true;
      throw new CopyRefused(`${where} holds ${typeof value} where PostgreSQL's boolean takes 0 or 1. Nothing was kept.`);
    case 'bytea':
      if (Buffer.isBuffer(value)) return value;
      throw new CopyRefused(`${where} holds ${typeof value} where PostgreSQL's bytea takes a BLOB. Nothing was kept.`);
    case 'bigint':
    case 'integer':
    case 'smallint':
      // Exact: better-sqlite3 reads integers as BigInt here, pg sends their decimal text.
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return value;
      throw new CopyRefused(
        `${where} holds ${Buffer.isBuffer(value) ? 'a BLOB' : typeof value} where PostgreSQL's ${type} takes an integer. Nothing was kept.`,
      );
    case 'text':
    case 'character varying':
      if (typeof value === 'string') return value;
      throw new CopyRefused(
        `${where} holds ${Buffer.isBuffer(value) ? 'a BLOB' : typeof value} where PostgreSQL's text takes text. Nothing was kept.`,
      );
    default:
      if (Buffer.isBuffer(value))
        throw new CopyRefused(`${where} holds a BLOB where PostgreSQL's ${type} cannot take one. Nothing was kept.`);
      return typeof value === 'bigint' ? value.toString() : value;
  }
}

/** Copies one table in primary-key order, a chunk per INSERT; returns the number of rows. */
async function copyTable(sqlite: Database.Database, client: pg.PoolClient, table: string): Promise<number> {
  const info = sqlite.pragma(`table_info(${quote(table)})`) as Array<{ name: string; pk: number }>;
  const target = await pgColumns(client, table);
  const byName = new Map(target.map((c) => [c.name, c]));
  const problems: string[] = [];
  for (const { name } of info) {
    const twin = byName.get(name);
    if (!twin) problems.push(`${table}.${name} is in SQLite but not in PostgreSQL`);
    else if (twin.generated) problems.push(`${table}.${name} is generated in PostgreSQL but stored in SQLite`);
  }
  const sqliteNames = new Set(info.map((c) => c.name));
  for (const c of target) {
    if (!sqliteNames.has(c.name) && !c.generated && c.notNull && !c.hasDefault)
      problems.push(`${table}.${c.name} is NOT NULL without a default in PostgreSQL and not in SQLite`);
  }
  if (problems.length) throw new CopyRefused(`The schemas differ: ${problems.join('; ')}. Nothing was kept.`);

  const columns = info.map((c) => byName.get(c.name)!);
  const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const orderBy = pk.length ? pk.map((c) => quote(c.name)).join(', ') : 'rowid';
  // A reference to a row of the same table not yet copied (by key order) is set once the table is in.
  const selfRefs = (
    sqlite.pragma(`foreign_key_list(${quote(table)})`) as Array<{ id: number; seq: number; table: string; from: string; to: string }>
  ).filter((fk) => fk.table === table && pk.length === 1 && fk.to === pk[0].name);
  const keyIndex = columns.findIndex((c) => pk.length === 1 && c.name === pk[0].name);
  const selfIndexes = selfRefs.map((fk) => columns.findIndex((c) => c.name === fk.from));
  const later: Array<{ key: unknown; column: string; value: unknown }> = [];

  const perChunk = Math.max(1, Math.min(CHUNK_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  const head = `INSERT INTO ${quote(table)} (${columns.map((c) => quote(c.name)).join(', ')})${
    columns.some((c) => c.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : ''
  } VALUES `;
  const select = sqlite
    .prepare(`SELECT ${columns.map((c) => quote(c.name)).join(', ')} FROM ${quote(table)} ORDER BY ${orderBy}`)
    .raw(true)
    .safeIntegers(true);
  let rows = 0;
  let values: unknown[] = [];
  let tuples: string[] = [];
  const flush = async () => {
    if (!tuples.length) return;
    await client.query(head + tuples.join(', '), values);
    values = [];
    tuples = [];
  };
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    const placeholders: string[] = [];
    row.forEach((value, i) => {
      let converted = convert(value, columns[i].type, `${table}.${columns[i].name}`);
      if (selfIndexes.includes(i) && converted !== null && BigInt(converted as bigint) >= BigInt(row[keyIndex] as bigint)) {
        later.push({ key: row[keyIndex], column: columns[i].name, value: converted });
        converted = null;
      }
      values.push(converted);
      placeholders.push(`$${values.length}`);
    });
    tuples.push(`(${placeholders.join(', ')})`);
    rows++;
    if (tuples.length === perChunk) await flush();
  }
  await flush();
  for (const { key, column, value } of later) {
    await client.query(`UPDATE ${quote(table)} SET ${quote(column)} = $1 WHERE ${quote(pk[0].name)} = $2`, [value, key]);
  }
  return rows;
}

/**
 * Every identity sequence continues past the highest id SQLite handed out: its max(id), or the
 * AUTOINCREMENT counter when that is higher (rows deleted since), so no id is ever handed out twice.
 */
async function setSequences(sqlite: Database.Database, client: pg.PoolClient, tables: string[]): Promise<void> {
  const { rows } = await client.query<{ table: string; column: string; sequence: string }>(
    `SELECT table_name AS table, column_name AS column, pg_get_serial_sequence(quote_ident(table_name), column_name) AS sequence
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1) AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL`,
    [tables],
  );
  const hasCounters = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).get() !== undefined;
  const counter = hasCounters ? sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().safeIntegers(true) : null;
  for (const { table, column, sequence } of rows) {
    const used = (counter?.get(table) as bigint | undefined) ?? 0n;
    await client.query(
      `SELECT setval($1::regclass, greatest(coalesce((SELECT max(${quote(column)}) FROM ${quote(table)}), 0), $2::bigint) + 1, false)`,
      [sequence, used.toString()],
    );
  }
}

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/open';
import { migratePg, PG_MIGRATION_LOCK, PG_MIGRATIONS, type PgMigrationResult } from '../../server/db/pg/migrate-pg';
import { openPgPool } from '../../server/db/pg/pg-pool';
import { startPostgres, type TestPostgres } from '../helpers/postgres';

/** SQLite tables PostgreSQL has no use for, and why. */
const SQLITE_ONLY_TABLES: Record<string, string> = {
  messages_fts: 'FTS5 virtual table; PostgreSQL searches messages.search_vector (GIN)',
  messages_fts_data: 'FTS5 shadow table',
  messages_fts_idx: 'FTS5 shadow table',
  messages_fts_docsize: 'FTS5 shadow table',
  messages_fts_config: 'FTS5 shadow table',
  search_index_state: "FTS5's batch-indexing bookmark; the generated tsvector is indexed in the message's own transaction",
  sqlite_sequence: "AUTOINCREMENT's bookkeeping; identity columns keep their own sequences",
};

/** PostgreSQL tables and columns SQLite has no twin for, and why. */
const PG_ONLY_TABLES: Record<string, string> = {
  schema_migrations: 'SQLite keeps its schema version in PRAGMA user_version',
};
const PG_ONLY_COLUMNS: Record<string, string> = {
  'messages.search_vector': "the generated tsvector that replaces FTS5's messages_fts",
};

/** Columns NOT NULL here but not in SQLite's table definition, and the SQLite rule that makes them so there. */
const NOT_NULL_BY_TRIGGER_IN_SQLITE: Record<string, string> = {
  'audit_log.prev_hash': 'audit_log_chained',
  'audit_log.hash': 'audit_log_chained',
};

/** The PostgreSQL types that hold what SQLite's declared type holds, as the repositories read it. */
const COMPATIBLE_TYPES: Record<string, string[]> = { INTEGER: ['bigint', 'integer'], TEXT: ['text'], BLOB: ['bytea'] };

let server: TestPostgres;
let pool: pg.Pool;
const pools: pg.Pool[] = [];

/** Ends `each` after the file; an idle client losing its server then is no crash. */
function track(each: pg.Pool): pg.Pool {
  each.on('error', () => {});
  pools.push(each);
  return each;
}

/** A pool on a fresh database, ended after the file. */
async function freshPool(options: { ctype?: string } = {}): Promise<pg.Pool> {
  return track(openPgPool(await server.createDatabase(options), { max: 2 }));
}

/** The error `promise` rejects with (a pg DatabaseError: code, constraint, where). */
async function failure(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await promise;
  } catch (err) {
    return err as pg.DatabaseError;
  }
  throw new Error('expected the statement to fail');
}

beforeAll(async () => {
  server = await startPostgres();
  pool = await freshPool();
  await migratePg(pool);
});

afterAll(async () => {
  // Bounded: a pool whose client a failed test left checked out must not keep the server running.
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise((resolve) => (timer = setTimeout(resolve, 5000)));
  await Promise.race([Promise.allSettled(pools.map((each) => each.end())), bound]);
  clearTimeout(timer);
  await server?.stop();
});

/** The SQLite schema at its latest migration, built by the project's own migrate(). */
function sqliteSchema() {
  const db = openDatabase(':memory:');
  try {
    const tables = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string; sql: string }>;
    const columns = new Map<string, { type: string; notNull: boolean; nocase: boolean }>();
    const unique = new Set<string>();
    const foreignKeys = new Set<string>();
    for (const { name: table, sql } of tables) {
      const info = db.pragma(`table_info(${table})`) as Array<{ name: string; type: string; notnull: number; pk: number }>;
      for (const c of info) {
        // A primary key cannot be NULL in PostgreSQL; in SQLite only rowid aliases and WITHOUT ROWID keys are sure not to be.
        const nocase = new RegExp(`^\\s*"?${c.name}"?\\s+\\w+[^,\\n]*\\bCOLLATE NOCASE`, 'mi').test(sql);
        columns.set(`${table}.${c.name}`, { type: c.type.toUpperCase(), notNull: c.notnull === 1 || c.pk > 0, nocase });
      }
      const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
      if (pk.length) unique.add(`${table}(${pk.map((c) => c.name).join(',')})`);
      for (const index of db.pragma(`index_list(${table})`) as Array<{ name: string; unique: number; partial: number }>) {
        if (!index.unique || index.partial) continue;
        const cols = (db.pragma(`index_info(${index.name})`) as Array<{ seqno: number; name: string }>).sort((a, b) => a.seqno - b.seqno);
        unique.add(`${table}(${cols.map((c) => c.name).join(',')})`);
      }
      for (const fk of db.pragma(`foreign_key_list(${table})`) as Array<{ table: string; from: string; to: string; on_delete: string }>) {
        foreignKeys.add(`${table}.${fk.from} -> ${fk.table}.${fk.to} ON DELETE ${fk.on_delete}`);
      }
    }
    const indexes = db
      .prepare(`SELECT name, tbl_name AS tableName FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
      .all() as Array<{
      name: string;
      tableName: string;
    }>;
    const triggers = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).pluck().all() as string[];
    return { tables: tables.map((t) => t.name), columns, unique, foreignKeys, indexes, triggers };
  } finally {
    db.close();
  }
}

/** The same facts, read from PostgreSQL's catalog. */
async function pgSchema(db: pg.Pool) {
  const { rows: columnRows } = await db.query<{ table: string; column: string; type: string; nullable: string; collation: string | null }>(
    `SELECT c.table_name AS table, c.column_name AS column, c.data_type AS type, c.is_nullable AS nullable, c.collation_name AS collation
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public'`,
  );
  const columns = new Map(
    columnRows.map((r) => [
      `${r.table}.${r.column}`,
      { type: r.type, notNull: r.nullable === 'NO', nocase: r.collation === 'case_insensitive' },
    ]),
  );
  const { rows: uniqueRows } = await db.query<{ key: string }>(
    `SELECT t.relname || '(' || string_agg(a.attname, ',' ORDER BY k.n) || ')' AS key
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace AND s.nspname = 'public'
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE i.indisunique AND i.indpred IS NULL
      GROUP BY i.indexrelid, t.relname`,
  );
  const { rows: fkRows } = await db.query<{ key: string }>(
    `SELECT t.relname || '.' || a.attname || ' -> ' || r.relname || '.' || ra.attname || ' ON DELETE ' ||
            CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS key
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace AND s.nspname = 'public'
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
       JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = c.confkey[1]
      WHERE c.contype = 'f'`,
  );
  const { rows: indexRows } = await db.query<{ name: string; tableName: string }>(
    `SELECT indexname AS name, tablename AS "tableName" FROM pg_indexes WHERE schemaname = 'public'`,
  );
  return {
    tables: [...new Set(columnRows.map((r) => r.table))],
    columns,
    unique: new Set(uniqueRows.map((r) => r.key)),
    foreignKeys: new Set(fkRows.map((r) => r.key)),
    indexes: indexRows,
  };
}

describe('the test harness', () => {
  it('without the PostgreSQL binaries, fails saying what to install', async () => {
    await expect(startPostgres({ bin: '/nonexistent/postgresql/15/bin' })).rejects.toThrow(
      'PostgreSQL 15 is not installed (no /nonexistent/postgresql/15/bin/postgres). Install it with: apt-get update && apt-get install -y --no-install-recommends postgresql',
    );
  });
});

describe('the PostgreSQL schema matches SQLite at its latest migration', () => {
  it('has every SQLite table and column, with the same nullability and a type that holds the same values', async () => {
    const lite = sqliteSchema();
    const pgs = await pgSchema(pool);
    // Each exception must still name something real, or it hides nothing and should go.
    for (const table of Object.keys(SQLITE_ONLY_TABLES)) expect(lite.tables).toContain(table);
    for (const [column, trigger] of Object.entries(NOT_NULL_BY_TRIGGER_IN_SQLITE)) {
      expect(lite.columns.get(column)?.notNull, column).toBe(false);
      expect(lite.triggers).toContain(trigger);
    }

    const tables = lite.tables.filter((t) => !(t in SQLITE_ONLY_TABLES));
    expect(tables.length).toBeGreaterThan(30);
    expect(pgs.tables.filter((t) => !(t in PG_ONLY_TABLES)).sort()).toEqual(tables.sort());

    const mismatches: string[] = [];
    for (const [name, column] of lite.columns) {
      if (name.split('.')[0] in SQLITE_ONLY_TABLES) continue;
      const twin = pgs.columns.get(name);
      if (!twin) {
        mismatches.push(`${name}: missing`);
        continue;
      }
      const notNull = column.notNull || name in NOT_NULL_BY_TRIGGER_IN_SQLITE;
      if (twin.notNull !== notNull) mismatches.push(`${name}: ${twin.notNull ? 'NOT NULL' : 'nullable'} here, not in SQLite`);
      if (!COMPATIBLE_TYPES[column.type]?.includes(twin.type)) mismatches.push(`${name}: ${twin.type} for SQLite's ${column.type}`);
      if (twin.nocase !== column.nocase) mismatches.push(`${name}: case_insensitive ${twin.nocase}, COLLATE NOCASE ${column.nocase}`);
    }
    for (const name of pgs.columns.keys()) {
      const table = name.split('.')[0];
      if (!lite.columns.has(name) && !(table in PG_ONLY_TABLES) && !(name in PG_ONLY_COLUMNS)) mismatches.push(`${name}: not in SQLite`);
    }
    expect(mismatches).toEqual([]);
  });

  it('has the same unique keys, foreign keys (with their ON DELETE) and named indexes', async () => {
    const lite = sqliteSchema();
    const pgs = await pgSchema(pool);
    const keep = (key: string) => !(key.split(/[.(]/)[0] in SQLITE_ONLY_TABLES);
    expect([...lite.unique].filter(keep).sort()).toEqual([...pgs.unique].filter((k) => !k.startsWith('schema_migrations(')).sort());
    expect(lite.foreignKeys.size).toBeGreaterThan(20);
    expect([...pgs.foreignKeys].sort()).toEqual([...lite.foreignKeys].filter(keep).sort());
    const pgIndexes = new Set(pgs.indexes.map((i) => `${i.tableName}.${i.name}`));
    const missing = lite.indexes.filter((i) => keep(i.tableName) && !pgIndexes.has(`${i.tableName}.${i.name}`));
    expect(missing).toEqual([]);
    expect(pgIndexes).toContain('messages.messages_search');
  });
});

describe('migrations', () => {
  it('two nodes migrating at once apply each migration exactly once, and both end at the latest version', async () => {
    const database = await server.createDatabase();
    const [a, b] = [track(openPgPool(database, { max: 1 })), track(openPgPool(database, { max: 1 }))];
    // Hold the migration lock until both nodes are waiting for it, so they really contend.
    const blocker = track(openPgPool(database, { max: 1 }));
    const holder = await blocker.connect();
    let both: Promise<PgMigrationResult[]> | undefined;
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
      both = Promise.all([migratePg(a), migratePg(b)]);
      // Awaited below; this only keeps a failure there from going unhandled should the wait fail first.
      both.catch(() => {});
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await holder.query<{ n: number }>(
          `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        if (rows[0].n === 2) break;
        if (Date.now() > deadline) throw new Error('the two migrations never waited for the lock');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }

    const [first, second] = await both!;
    expect(first.version).toBe(PG_MIGRATIONS.length);
    expect(second.version).toBe(PG_MIGRATIONS.length);
    const everyVersion = PG_MIGRATIONS.map((_, i) => i + 1);
    expect([...first.applied, ...second.applied].sort((x, y) => x - y)).toEqual(everyVersion);
    const { rows } = await a.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(everyVersion);
    expect((await a.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'audit_log'`)).rowCount).toBe(1);
  });

  it('a migrated database migrated again changes nothing', async () => {
    const snapshot = async () => {
      const parts = await Promise.all([
        pool.query(
          `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
            WHERE table_schema = 'public' ORDER BY 1, 2`,
        ),
        pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
        pool.query(
          `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`,
        ),
        pool.query(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
        pool.query(`SELECT proname, md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`),
        pool.query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`),
      ]);
      return parts.map((p) => p.rows);
    };
    const before = await snapshot();
    expect(before[5]).toHaveLength(PG_MIGRATIONS.length);
    const again = await migratePg(pool, () => 1);
    expect(again).toEqual({ version: PG_MIGRATIONS.length, applied: [] });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a database whose schema is newer than this server', async () => {
    const scratch = await freshPool();
    await migratePg(scratch);
    await scratch.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [PG_MIGRATIONS.length + 1]);
    await expect(migratePg(scratch)).rejects.toThrow(`database schema version ${PG_MIGRATIONS.length + 1} is newer than this server`);
  });

  it('refuses, before creating anything, a database whose LC_CTYPE cannot lower-case Russian', async () => {
    const c = await freshPool({ ctype: 'C' });
    await expect(migratePg(c)).rejects.toThrow(/LC_CTYPE C, in which search cannot match Russian words/);
    expect((await c.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`)).rowCount).toBe(0);
  });
});

/** Rows a test needs, inserted as a repository would; returns the new row's id. */
async function insert(table: string, row: Record<string, unknown>): Promise<number> {
  const keys = Object.keys(row);
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    Object.values(row),
  );
  return rows[0].id;
}

let tokens = 0;
async function visitorWithConversation(): Promise<{ visitorId: number; conversationId: number }> {
  const n = ++tokens;
  const visitorId = await insert('visitors', {
    token_hash: Buffer.from(`token-${n}`),
    label: `Visitor ${n}`,
    created_at: 1,
    last_seen_at: 1,
  });
  const conversationId = await insert('conversations', {
    public_id: `c-${n}`,
    visitor_id: visitorId,
    status: 'open',
    created_at: 1,
    updated_at: 1,
  });
  return { visitorId, conversationId };
}

let clientIds = 0;
function message(conversationId: number, seq: number, body: string): Promise<number> {
  return insert('messages', {
    conversation_id: conversationId,
    seq,
    client_id: `m-${++clientIds}`,
    author: 'visitor',
    body,
    created_at: seq,
  });
}

function auditEntry(requestId: number | null): Promise<number> {
  return insert('audit_log', {
    request_id: requestId,
    at: 1,
    actor: 'system',
    action: 'created',
    detail: '{"reference":"PR-1"}',
    prev_hash: Buffer.alloc(32),
    hash: Buffer.alloc(32, 1),
  });
}

describe('the audit log is append-only', () => {
  it('takes new entries, and refuses UPDATE, DELETE and TRUNCATE by its triggers', async () => {
    const id = await auditEntry(null);
    const { rows } = await pool.query('SELECT id, at, detail FROM audit_log WHERE id = $1', [id]);
    expect(rows).toEqual([{ id, at: 1, detail: '{"reference":"PR-1"}' }]);

    for (const statement of [
      `UPDATE audit_log SET actor = 'someone else' WHERE id = ${id}`,
      `DELETE FROM audit_log WHERE id = ${id}`,
      'TRUNCATE audit_log',
      'TRUNCATE audit_log CASCADE',
    ]) {
      const err = await failure(pool.query(statement));
      expect(err.message, statement).toBe('audit_log is append-only');
      expect(err.where, statement).toContain('audit_log_append_only()');
    }
    expect((await pool.query('SELECT actor FROM audit_log WHERE id = $1', [id])).rows).toEqual([{ actor: 'system' }]);
  });

  it('refuses an entry without its chain hashes', async () => {
    const err = await failure(
      pool.query(`INSERT INTO audit_log (request_id, at, actor, action, hash) VALUES (NULL, 1, 'system', 'created', '\\x00')`),
    );
    expect(err.code).toBe('23502');
    expect(err.column).toBe('prev_hash');
  });

  it('keeps entries about a request that is deleted, as SQLite does (they name it without a foreign key)', async () => {
    const requestId = await insert('privacy_requests', {
      type: 'erasure',
      state: 'completed',
      jurisdiction: 'gdpr',
      source: 'chat',
      email_hash: Buffer.from('hash'),
      lang: 'en',
      received_at: 1,
      updated_at: 1,
    });
    const entry = await auditEntry(requestId);
    await pool.query('DELETE FROM privacy_requests WHERE id = $1', [requestId]);
    expect((await pool.query('SELECT request_id FROM audit_log WHERE id = $1', [entry])).rows).toEqual([{ request_id: requestId }]);
  });
});

describe('message search', () => {
  let here: number;
  let elsewhere: number;
  const search = async (typed: string, conversationId: number | null = null) =>
    (
      await pool.query<{ message_id: number; conversation_id: number; snippet: string }>(
        'SELECT message_id, conversation_id, snippet FROM search_messages($1, $2, 20)',
        [typed, conversationId],
      )
    ).rows;

  beforeAll(async () => {
    here = (await visitorWithConversation()).conversationId;
    elsewhere = (await visitorWithConversation()).conversationId;
    await message(here, 1, 'Where is my DELIVERY? The order was placed on Monday.');
    await message(here, 2, 'Ваша Доставка задерживается на один день, извините.');
    await message(here, 3, "It's about the invoice, not the parcel");
    await message(here, 4, 'Ещё вопрос: write to bob@example.com about the café');
    await message(elsewhere, 1, 'Delivery to Kazan takes three days');
  });

  it('finds an English word by its prefix, whatever the case, and marks it in the snippet', async () => {
    const hits = await search('DELIV', here);
    expect(hits).toHaveLength(1);
    expect(hits[0].conversation_id).toBe(here);
    expect(hits[0].snippet).toContain('\uE000DELIVERY\uE001');
    expect(hits[0].snippet).not.toContain('\uE000order');
  });

  it('finds a Russian word by its prefix, whatever the case, and marks it in the snippet', async () => {
    for (const typed of ['достав', 'ДОСТАВ', 'Доставка']) {
      const hits = await search(typed, here);
      expect(hits, typed).toHaveLength(1);
      expect(hits[0].snippet, typed).toContain('\uE000Доставка\uE001');
    }
    expect(await search('оставка', here)).toEqual([]);
  });

  it('reads words as FTS5 does: diacritics ignored, punctuation separates', async () => {
    for (const typed of ['еще', 'ЕЩЁ', 'cafe', 'CAFÉ', 'example', 'bob@example.c', 'example.com']) {
      expect(await search(typed, here), typed).toHaveLength(1);
    }
    expect((await search('ещё', here))[0].snippet).toContain('\uE000Ещё\uE001');
    expect((await search('cafe', here))[0].snippet).toContain('\uE000café\uE001');
  });

  it('needs every word typed, the earlier ones whole', async () => {
    expect(await search('where deliv', here)).toHaveLength(1);
    expect(await search('where parcel', here)).toEqual([]);
    expect(await search('wher deliv', here)).toEqual([]);
    expect(await search('"it\'s" invo', here)).toHaveLength(1);
  });

  it('scoped to a conversation, returns nothing from another one', async () => {
    const scoped = await search('deliv', here);
    expect(scoped.map((h) => h.conversation_id)).toEqual([here]);
    const everywhere = await search('deliv');
    expect(everywhere.map((h) => h.conversation_id).sort()).toEqual([here, elsewhere].sort());
    expect((await search('kazan', here)).length).toBe(0);
    expect((await search('kazan', elsewhere)).length).toBe(1);
  });

  it('reads what is typed as words, never as query syntax', async () => {
    for (const typed of ["deliv & !( | ' \\", ':*', '   ', "o'brien <-> x"]) {
      await expect(search(typed, here), typed).resolves.toBeInstanceOf(Array);
    }
    expect(await search('   ')).toEqual([]);
  });

  it('finds an edited message by its new words only', async () => {
    const id = await message(here, 5, 'tracking number please');
    await pool.query(`UPDATE messages SET body = 'refund please' WHERE id = $1`, [id]);
    expect((await search('refu', here)).map((h) => h.message_id)).toEqual([id]);
    expect(await search('track', here)).toEqual([]);
  });
});

describe('constraints SQLite enforces hold here too', () => {
  it('one conversation per visitor', async () => {
    const { visitorId } = await visitorWithConversation();
    const err = await failure(
      insert('conversations', { public_id: 'c-again', visitor_id: visitorId, status: 'open', created_at: 1, updated_at: 1 }),
    );
    expect(err.code).toBe('23505');
    expect(err.constraint).toBe('conversations_visitor_id_key');
  });

  it("a message's client id and sequence are unique in its conversation, not across conversations", async () => {
    const a = (await visitorWithConversation()).conversationId;
    const b = (await visitorWithConversation()).conversationId;
    const row = { seq: 1, client_id: 'same', author: 'visitor', body: 'hi', created_at: 1 };
    await insert('messages', { ...row, conversation_id: a });
    await insert('messages', { ...row, conversation_id: b });
    expect((await failure(insert('messages', { ...row, seq: 2, conversation_id: a }))).constraint).toBe(
      'messages_conversation_id_client_id_key',
    );
    expect((await failure(insert('messages', { ...row, client_id: 'other', conversation_id: a }))).constraint).toBe(
      'messages_conversation_id_seq_key',
    );
  });

  it("an operator's e-mail is unique and found regardless of case, as COLLATE NOCASE does", async () => {
    const id = await insert('operators', { email: 'Ann@Example.com', name: 'Ann', role: 'admin', password_hash: 'x', created_at: 1 });
    const err = await failure(
      insert('operators', { email: 'ann@example.COM', name: 'Ann 2', role: 'operator', password_hash: 'x', created_at: 1 }),
    );
    expect(err.constraint).toBe('operators_email_key');
    expect((await pool.query('SELECT id FROM operators WHERE email = $1', ['ANN@EXAMPLE.COM'])).rows).toEqual([{ id }]);
  });

  it('deleting a visitor takes their conversation, messages and attachments, and trashes the files', async () => {
    const { visitorId, conversationId } = await visitorWithConversation();
    const messageId = await message(conversationId, 1, 'see attached');
    await insert('attachments', {
      public_id: 'a-1',
      conversation_id: conversationId,
      message_id: messageId,
      client_id: 'a-1',
      uploader: 'visitor',
      storage_key: 'key-of-a-1',
      name: 'photo.png',
      mime: 'image/png',
      size: 10,
      sha256: 'x',
      created_at: 1,
    });
    await pool.query('DELETE FROM visitors WHERE id = $1', [visitorId]);
    const left = await pool.query(
      `SELECT (SELECT count(*) FROM conversations WHERE id = $1) AS conversations, (SELECT count(*) FROM messages WHERE id = $2) AS messages,
              (SELECT count(*) FROM attachments WHERE public_id = 'a-1') AS attachments`,
      [conversationId, messageId],
    );
    expect(left.rows).toEqual([{ conversations: 0, messages: 0, attachments: 0 }]);
    expect((await pool.query(`SELECT storage_key FROM attachment_trash WHERE storage_key = 'key-of-a-1'`)).rowCount).toBe(1);
  });

  it("a rating's score fits its scale", async () => {
    const { conversationId } = await visitorWithConversation();
    const err = await failure(insert('conversation_ratings', { conversation_id: conversationId, scale: 'stars', score: 6, created_at: 1 }));
    expect(err.code).toBe('23514');
    await insert('conversation_ratings', { conversation_id: conversationId, scale: 'stars', score: 5, created_at: 1 });
  });

  it('bigints come back as numbers, as better-sqlite3 returns integers', async () => {
    const { visitorId } = await visitorWithConversation();
    const { rows } = await pool.query('SELECT id, created_at, (SELECT count(*) FROM visitors) AS n FROM visitors WHERE id = $1', [
      visitorId,
    ]);
    expect(typeof rows[0].id).toBe('number');
    expect(rows[0].created_at).toBe(1);
    expect(typeof rows[0].n).toBe('number');
  });
});

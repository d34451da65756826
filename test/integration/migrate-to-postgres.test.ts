import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MIGRATIONS, applyMigration } from '../../server/db/migrate';
import { openDatabase } from '../../server/db/open';
import { PG_ONLY_TABLES, SQLITE_ONLY_TABLES } from '../../server/db/pg/copy-from-sqlite';
import { openPgPool } from '../../server/db/pg/pg-pool';
import { PgAuditRepository } from '../../server/db/pg/repositories/audit-repository';
import { PgInboxRepository } from '../../server/db/pg/repositories/inbox-repository';
import { AuditRepository } from '../../server/db/repositories/audit-repository';
import { createWriteProcedures } from '../../server/writer/procedures';
import { sqliteTransactions } from '../../server/writer/transaction';
import { OperatorEvent } from '../../shared/protocol';
import { newClientId } from '../helpers/durable-clients';
import { png } from '../helpers/files';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { privacyHelpers } from '../helpers/privacy';
import { say, socketTracker } from '../helpers/sockets';
import { ok, startTestApp } from '../helpers/test-app';
import { attachmentOf, uploadFile, visitorSend } from '../helpers/uploads';

const REQUESTER = 'requester@example.test';
/** Enough messages in one conversation for several 1,000-row INSERTs. */
const BULK_MESSAGES = 2_500;

let server: TestPostgres;
const dirs: string[] = [];
const pools: pg.Pool[] = [];
/** A SQLite file filled by the real app; each test copies it first. */
let populated: string;
let facts: { conversationId: string; requestId: number; bulkVisitorId: number };

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-topg-'));
  dirs.push(dir);
  return dir;
}

/** A copy of the populated file, for one test. */
function sqliteCopy(): string {
  const file = path.join(tempDir(), 'chat.db');
  fs.copyFileSync(populated, file);
  return file;
}

async function freshPool(): Promise<{ url: string; pool: pg.Pool }> {
  const url = await server.createDatabase();
  const pool = openPgPool(url, { max: 2 });
  pool.on('error', () => {});
  pools.push(pool);
  return { url, pool };
}

/** Runs the admin command as a person would; resolves with its exit code and output, whatever they are. */
function migrateCommand(databasePath: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return migrateCommandWith({}, databasePath, ...args);
}

/** The command with `env` besides DATABASE_PATH (DATABASE_URL unset unless `env` sets it). */
function migrateCommandWith(
  env: Record<string, string>,
  databasePath: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.resolve('server/cli/admin-cli.ts'), 'migrate-to-postgres', ...args],
      { env: { ...process.env, DATABASE_URL: '', ...env, DATABASE_PATH: databasePath }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The app tables of a SQLite file and their primary-key columns. */
function appTables(db: Database.Database): Array<{ table: string; orderBy: string }> {
  const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
  return names
    .filter((name) => !SQLITE_ONLY_TABLES.includes(name))
    .map((table) => {
      const pk = (db.pragma(`table_info(${table})`) as Array<{ name: string; pk: number }>)
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk);
      return { table, orderBy: pk.map((c) => c.name).join(', ') };
    });
}

/** Every row of every app table in PostgreSQL, keyed by table (counts only; no data leaves the test). */
async function pgCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const out: Record<string, number> = {};
  for (const { name } of rows) {
    if (PG_ONLY_TABLES.includes(name)) continue;
    out[name] = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`)).rows[0].n;
  }
  return out;
}

beforeAll(async () => {
  server = await startPostgres();

  // The real app: a visitor's conversation, an operator's reply, an attachment, a verified privacy request.
  const t = await startTestApp();
  const sockets = socketTracker();
  const privacy = privacyHelpers(() => t, sockets);
  try {
    const { socket, token } = await privacy.newVisitor();
    const conversationId = await say(socket, 'Where is my parcel, please?');
    await say(socket, 'It was due on Monday.');
    await ok(await privacy.operator(), OperatorEvent.messageSend, {
      conversationId,
      clientId: newClientId(),
      text: 'Let me check the delivery status.',
    });
    const attachment = attachmentOf(await uploadFile(t.url, png(2, 2), { token }));
    await visitorSend(socket, { clientId: newClientId(), attachmentId: attachment.id });
    const filed = await privacy.fileVerified(socket, 'access', REQUESTER);
    populated = path.join(tempDir(), 'chat.db');
    await t.db.backup(populated);
    facts = { conversationId, requestId: filed.id, bulkVisitorId: 0 };
  } finally {
    sockets.closeAll();
    await t.close();
  }

  // A long conversation through the app's write procedures, and a visitor whose flags are set.
  const db = openDatabase(populated);
  try {
    const writes = createWriteProcedures(db, {
      limits: { burst: { limit: 1_000_000, windowMs: 1000 }, sustained: { limit: 1_000_000, windowMs: 1000 } },
      privacy: { hmacKey: Buffer.alloc(32, 7), jurisdiction: 'gdpr', mailDomain: 'example.test' },
      offlineReplyDelayMs: 60_000,
    });
    const visitor = await writes.visitorCreate({ tokenHash: 'ab'.repeat(32), label: 'Bulk visitor', lang: 'en', now: Date.now() });
    await sqliteTransactions(db).transaction(async () => {
      for (let i = 0; i < BULK_MESSAGES; i++)
        await writes.visitorMessage({
          visitorId: visitor.id,
          clientId: `bulk-${i}`,
          text: `order line ${i}`,
          page: null,
          now: Date.now() + i,
        });
    });
    db.prepare('UPDATE visitors SET email_verified = 1, marketing_consent = 1 WHERE id = ?').run(visitor.id);
    facts.bulkVisitorId = visitor.id;
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(pools.map((p) => p.end()));
  await server?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run admin -- migrate-to-postgres', () => {
  test('copies every table row for row, verifies the chain, sets the sequences, and leaves the SQLite file as it was', async () => {
    const file = sqliteCopy();
    const before = sha(file);
    const { url, pool } = await freshPool();
    const run = await migrateCommand(file, url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(sha(file)).toBe(before);

    const lite = new Database(file, { readonly: true, fileMustExist: true });
    try {
      // Every table, every row, every field: SQLite's integers and BLOBs come back as the same numbers and Buffers.
      const tables = appTables(lite);
      expect(tables.length).toBeGreaterThan(30);
      const counts = await pgCounts(pool);
      expect(Object.keys(counts).sort()).toEqual(tables.map((t) => t.table).sort());
      for (const { table, orderBy } of tables) {
        const expected = lite.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy || 'rowid'}`).all();
        const { rows } = await pool.query(`SELECT * FROM ${table} ORDER BY ${orderBy || '1'}`);
        for (const row of rows) delete row.search_vector;
        expect(counts[table], table).toBe(expected.length);
        expect(rows, table).toEqual(expected);
        // The summary names each table with its count.
        expect(run.stdout).toMatch(new RegExp(`^\\s+${table}\\s+${expected.length}$`, 'm'));
      }
      expect(counts.messages).toBeGreaterThan(BULK_MESSAGES);
      expect(counts.attachments).toBe(1);
      expect(counts.audit_log).toBeGreaterThan(0);

      // The app's conversation, its messages in order.
      const { rows: thread } = await pool.query<{ seq: number; author: string; body: string }>(
        `SELECT m.seq, m.author, m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.public_id = $1 ORDER BY m.seq`,
        [facts.conversationId],
      );
      expect(thread.slice(0, 3)).toEqual([
        { seq: 1, author: 'visitor', body: 'Where is my parcel, please?' },
        { seq: 2, author: 'visitor', body: 'It was due on Monday.' },
        { seq: 3, author: 'operator', body: 'Let me check the delivery status.' },
      ]);
      expect(thread.map((m) => m.seq)).toEqual(thread.map((_, i) => i + 1));
      // The visitor's flags, the request's deadline.
      const { rows: flags } = await pool.query('SELECT email_verified, marketing_consent FROM visitors WHERE id = $1', [
        facts.bulkVisitorId,
      ]);
      expect(flags).toEqual([{ email_verified: 1, marketing_consent: 1 }]);
      const request = lite
        .prepare('SELECT state, due_at, received_at, email_hash FROM privacy_requests WHERE id = ?')
        .get(facts.requestId) as {
        due_at: number;
        received_at: number;
      };
      expect(request.due_at).toBeGreaterThan(request.received_at);
      expect(
        (await pool.query('SELECT state, due_at, received_at, email_hash FROM privacy_requests WHERE id = $1', [facts.requestId])).rows,
      ).toEqual([request]);

      // The chain verifies on PostgreSQL, as long as SQLite's, and goes on from its head.
      const liteChain = new AuditRepository(lite).verifyChain();
      const audit = new PgAuditRepository(pool);
      const chain = await audit.verifyChain();
      expect(chain).toEqual(liteChain);
      expect(chain.intact).toBe(true);
      expect(run.stdout).toContain(`chain is intact on PostgreSQL: ${liteChain.entries} entries. Head: ${liteChain.head}`);
      await audit.append(null, Date.now(), 'test', 'after the copy', null);
      expect(await audit.verifyChain()).toMatchObject({ intact: true, entries: liteChain.entries + 1 });

      // New rows get ids after the copied ones.
      const conversationRow = (
        await pool.query<{ id: number; last_seq: number }>('SELECT id, last_seq FROM conversations WHERE public_id = $1', [
          facts.conversationId,
        ])
      ).rows[0];
      const maxMessageId = lite.prepare('SELECT max(id) FROM messages').pluck().get() as number;
      const inserted = await pool.query<{ id: number }>(
        `INSERT INTO messages (conversation_id, seq, client_id, author, body, created_at) VALUES ($1, $2, 'after-copy', 'visitor', 'hello again', $3) RETURNING id`,
        [conversationRow.id, conversationRow.last_seq + 1, Date.now()],
      );
      expect(inserted.rows[0].id).toBe(maxMessageId + 1);
      const maxAuditId = lite.prepare('SELECT max(id) FROM audit_log').pluck().get() as number;
      expect((await pool.query('SELECT max(id) AS id FROM audit_log')).rows[0].id).toBe(maxAuditId + 1);

      // Search finds a copied message.
      const hits = await new PgInboxRepository(pool).search('"parcel"*', 10);
      expect(hits.map((h) => [h.conversationId, h.seq])).toEqual([[facts.conversationId, 1]]);
      expect((await new PgInboxRepository(pool).search('"line" "2499"*', 10)).map((h) => h.seq)).toEqual([BULK_MESSAGES]);
    } finally {
      lite.close();
    }
    // No personal data in what it printed.
    expect(run.stdout).not.toContain(REQUESTER);
    expect(run.stdout).not.toMatch(/parcel|delivery status|order line/);
  });

  test("ids continue after the highest SQLite ever handed out, deleted rows' too; a forward reference within a table is kept", async () => {
    const file = sqliteCopy();
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    // The visitor with the newest messages is erased (its messages go by cascade): AUTOINCREMENT never reuses their ids.
    const used = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'messages'`).pluck().get() as number;
    db.prepare('DELETE FROM visitors WHERE id = ?').run(facts.bulkVisitorId);
    const left = db.prepare('SELECT max(id) FROM messages').pluck().get() as number;
    // A request that names itself as its duplicate: a reference to a row not yet inserted when its own row is.
    db.prepare('UPDATE privacy_requests SET duplicate_of = id WHERE id = ?').run(facts.requestId);
    db.close();
    expect(used).toBeGreaterThan(left + BULK_MESSAGES - 1);
    const { url, pool } = await freshPool();
    const run = await migrateCommand(file, url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\s+visitors\s+1$/m);

    const conversation = (await pool.query<{ id: number; last_seq: number }>('SELECT id, last_seq FROM conversations')).rows[0];
    const inserted = await pool.query<{ id: number }>(
      `INSERT INTO messages (conversation_id, seq, client_id, author, body, created_at) VALUES ($1, $2, 'after-copy', 'visitor', 'hi', 1) RETURNING id`,
      [conversation.id, conversation.last_seq + 1],
    );
    expect(inserted.rows[0].id).toBe(used + 1);
    expect((await pool.query('SELECT duplicate_of FROM privacy_requests WHERE id = $1', [facts.requestId])).rows).toEqual([
      { duplicate_of: facts.requestId },
    ]);
  });

  test('a second run against the filled database is refused and changes nothing', async () => {
    const file = sqliteCopy();
    const { url, pool } = await freshPool();
    expect((await migrateCommand(file, url)).code).toBe(0);
    const counts = await pgCounts(pool);
    const sequences = async () =>
      (await pool.query(`SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows;
    const before = await sequences();
    const migrations = (await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY 1')).rows;

    const again = await migrateCommand(file, url);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds data \(in [a-z_, ]*messages[a-z_, ]*\).*Nothing was written/);
    expect(again.stdout).toBe('');
    expect(await pgCounts(pool)).toEqual(counts);
    expect(await sequences()).toEqual(before);
    expect((await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY 1')).rows).toEqual(migrations);
  });

  test('a SQLite file not at the latest migration is refused; neither database changes', async () => {
    const file = path.join(tempDir(), 'chat.db');
    const old = new Database(file);
    old.pragma('foreign_keys = OFF');
    for (let v = 1; v < MIGRATIONS.length; v++) applyMigration(old, v);
    old.close();
    const before = sha(file);
    const { url, pool } = await freshPool();

    const run = await migrateCommand(file, url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `The SQLite database is at migration ${MIGRATIONS.length - 1}, this server's latest is ${MIGRATIONS.length}`,
    );
    expect(sha(file)).toBe(before);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length - 1);
    check.close();
    expect((await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).rows).toEqual([]);
  });

  test('a SQLite column or table PostgreSQL lacks, or rows a PostgreSQL key refuses, are an error that names it, and nothing is copied', async () => {
    const { url, pool } = await freshPool();
    const column = sqliteCopy();
    const withColumn = new Database(column);
    withColumn.exec('ALTER TABLE visitors ADD COLUMN shoe_size INTEGER');
    withColumn.close();
    const refused = await migrateCommand(column, url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('visitors.shoe_size is in SQLite but not in PostgreSQL');
    expect(Object.values(await pgCounts(pool)).every((n) => n === 0)).toBe(true);
    expect(Object.keys(await pgCounts(pool))).toContain('messages');

    const table = sqliteCopy();
    const withTable = new Database(table);
    withTable.exec('CREATE TABLE stray_notes (id INTEGER PRIMARY KEY, body TEXT)');
    withTable.close();
    const unknown = await migrateCommand(table, url);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('SQLite table(s) with no PostgreSQL twin: stray_notes');
    expect(Object.values(await pgCounts(pool)).every((n) => n === 0)).toBe(true);

    // A case-insensitive collision PostgreSQL's collation sees and SQLite's ASCII-only NOCASE does not.
    const folded = sqliteCopy();
    const withShortcuts = new Database(folded);
    withShortcuts.exec(
      `INSERT INTO canned_replies (shortcut, body, created_at, updated_at) VALUES ('привет', 'a', 1, 1), ('ПРИВЕТ', 'b', 1, 1)`,
    );
    withShortcuts.close();
    const collides = await migrateCommand(folded, url);
    expect(collides.code).toBe(1);
    expect(collides.stderr).toContain(
      'Copying canned_replies failed: duplicate key value violates unique constraint "canned_replies_shortcut_key"',
    );
    expect(Object.values(await pgCounts(pool)).every((n) => n === 0)).toBe(true);

    // Without a target it says how to call it.
    const usage = await migrateCommand(sqliteCopy());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: npm run admin -- migrate-to-postgres <postgres-url>');

    // The same target takes the unaltered file afterwards (its URL from DATABASE_URL this time, which keeps
    // a password out of the process list): the refusals left it empty.
    expect((await migrateCommandWith({ DATABASE_URL: url }, sqliteCopy())).code).toBe(0);
    expect((await pgCounts(pool)).messages).toBeGreaterThan(BULK_MESSAGES);
  });
});

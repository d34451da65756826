import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { MIGRATIONS, applyMigration, migrate } from '../../server/db/migrate';
import { AuditRepository } from '../../server/db/repositories/audit-repository';
import { openDatabase, type Db } from '../../server/db/open';
import { ConversationRepository } from '../../server/db/repositories/conversation-repository';
import { InboxRepository } from '../../server/db/repositories/inbox-repository';
import { MessageRepository } from '../../server/db/repositories/message-repository';
import { createRepositories } from '../../server/db/repositories/index';
import { createChatWrites } from '../../server/chat/chat-writes';
import { tableRows } from '../helpers/db-snapshot';

const LATEST = MIGRATIONS.length;
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-migrate-'));
  dirs.push(dir);
  return path.join(dir, 'chat.db');
}

/** A database as an older server left it: migrations 1…version applied the way migrate() applies them. */
function databaseAt(version: number): Db {
  const db = new Database(tempFile());
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = OFF');
  for (let v = 1; v <= version; v++) applyMigration(db, v);
  db.pragma('foreign_keys = ON');
  return db;
}

/** Rows of the kinds that exist at `version`; returns the tables seeded. */
function seed(db: Db, version: number): string[] {
  db.prepare(
    `INSERT INTO operators (id, email, name, role, password_hash, created_at) VALUES (1, 'ada@example.test', 'Ada', 'admin', 'scrypt$x', ?)`,
  ).run(T0);
  db.prepare(`INSERT INTO operator_sessions (id_hash, operator_id, created_at, expires_at) VALUES (?, 1, ?, ?)`).run(
    crypto.randomBytes(32),
    T0,
    T0 + 3_600_000,
  );
  const visitor = db.prepare(
    `INSERT INTO visitors (id, token_hash, label, lang, email, created_at, last_seen_at) VALUES (?, ?, 'Visitor 7', 'en', 'kim@example.test', ?, ?)`,
  );
  // Ids given: from migration 5 on, new ids start far above the highest kept (the conversations below name these).
  const kim = 1;
  const other = 2;
  visitor.run(kim, crypto.randomBytes(32), T0, T0);
  visitor.run(other, crypto.randomBytes(32), T0, T0);
  db.prepare(
    `INSERT INTO conversations (id, public_id, visitor_id, status, assigned_operator_id, last_seq, last_message_preview, last_message_at, page_url, page_title, created_at, updated_at)
     VALUES (1, 'conv-aaaaaaaa', ?, 'open', 1, 3, 'thanks, bye', ?, 'https://shop.example/cart', 'Cart', ?, ?),
            (2, 'conv-bbbbbbbb', ?, 'resolved', NULL, 1, 'hello?', ?, NULL, NULL, ?, ?)`,
  ).run(kim, T0 + 3, T0, T0 + 3, other, T0 + 9, T0 + 9, T0 + 9);
  const message = db.prepare(
    `INSERT INTO messages (conversation_id, seq, client_id, author, operator_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  message.run(1, 1, 'client-0001', 'visitor', null, 'my parcel never arrived', T0 + 1);
  message.run(1, 2, 'client-0002', 'operator', 1, 'sorry about that, a refund is on its way', T0 + 2);
  message.run(1, 3, 'client-0003', 'visitor', null, 'thanks, bye', T0 + 3);
  message.run(2, 1, 'client-0004', 'visitor', null, 'hello?', T0 + 9);
  const tables = ['operators', 'operator_sessions', 'visitors', 'conversations', 'messages'];
  if (version >= 2) {
    db.prepare(
      `INSERT INTO privacy_requests (id, reference, type, state, jurisdiction, source, email, email_hash, lang, visitor_id, received_at, verified_at, due_at, updated_at)
       VALUES (1, 'PR-2026-000001', 'erasure', 'verified', 'gdpr', 'chat', 'kim@example.test', ?, 'en', ?, ?, ?, ?, ?)`,
    ).run(crypto.randomBytes(32), kim, T0, T0 + 60_000, T0 + 31 * 86_400_000, T0 + 60_000);
    // From migration 6 on an entry carries its chain hashes, which the repository computes.
    if (version >= 6) new AuditRepository(db).append(1, T0, 'visitor', 'created', null);
    else db.prepare(`INSERT INTO audit_log (request_id, at, actor, action) VALUES (1, ?, 'visitor', 'created')`).run(T0);
    db.prepare(
      `INSERT INTO mail_outbox (to_address, subject, body, created_at) VALUES ('kim@example.test', 'Your code', 'Code: 123456', ?)`,
    ).run(T0);
    tables.push('privacy_requests', 'audit_log', 'mail_outbox');
  }
  return tables;
}

/** Each row as it was, looking only at the columns it had (later migrations may add columns). */
function projected(after: Record<string, unknown[]>, before: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(before).map(([table, rows]) => {
      const columns = Object.keys((rows[0] as object) ?? {});
      return [table, after[table].map((row) => Object.fromEntries(columns.map((c) => [c, (row as Record<string, unknown>)[c]])))];
    }),
  );
}

function expectHealthy(db: Db): void {
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('foreign_key_check')).toEqual([]);
  expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
}

describe('migrations', () => {
  test('an empty database is brought to the latest version, and migrating again changes nothing', () => {
    const file = tempFile();
    const db = openDatabase(file);
    expectHealthy(db);
    const schema = db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).all();
    expect(migrate(db)).toBe(LATEST);
    expect(db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).all()).toEqual(schema);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    db.close();
  });

  test.each(Array.from({ length: LATEST - 1 }, (_, i) => i + 1))(
    'a database at version %i is migrated to the latest with every row intact',
    async (version) => {
      const db = databaseAt(version);
      const tables = seed(db, version);
      const before = tableRows(db, tables);

      expect(migrate(db)).toBe(LATEST);
      expectHealthy(db);
      expect(projected(tableRows(db, tables), before)).toEqual(before);
      // Audit entries written before the chain existed are chained in order by migration 6.
      expect(new AuditRepository(db).verifyChain()).toMatchObject({ intact: true, entries: version >= 2 ? 1 : 0 });

      // Today's code reads the old rows.
      const conversations = new ConversationRepository(db);
      const conversation = conversations.byPublicId('conv-aaaaaaaa')!;
      expect(conversation).toMatchObject({ status: 'open', lastSeq: 3, assignedOperatorName: 'Ada', visitorLabel: 'Visitor 7' });
      expect(new MessageRepository(db).all(conversation.rowId, conversation.id).map((m) => [m.seq, m.author, m.text])).toEqual([
        [1, 'visitor', 'my parcel never arrived'],
        [2, 'operator', 'sorry about that, a refund is on its way'],
        [3, 'visitor', 'thanks, bye'],
      ]);
      // And the next message continues the old sequence.
      const next = await createChatWrites(createRepositories(db)).operatorMessage({
        operatorId: conversation.assignedOperatorId!,
        operatorName: 'Ada',
        conversationId: conversation.id,
        clientId: 'after-upgrade-1',
        text: 'one more thing',
        now: Date.now(),
      });
      expect(next.message.seq).toBe(4);
      expect(next.created && next.conversation.lastSeq).toBe(4);
      // A full-text index added later covers the messages written before it (since migration 14, once the
      // batch indexer has run, as it does before every search).
      const hasSearch = db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts'`).pluck().get() === 1;
      new InboxRepository(db).indexNew(1000);
      if (hasSearch) expect(db.prepare(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'refund'`).pluck().all()).toHaveLength(1);
      db.close();
    },
  );

  test('ids are never reused: not those deleted before the upgrade, nor the newest deleted after it', () => {
    // As migration 5 found them.
    const db = databaseAt(4);
    seed(db, 4);
    db.prepare(
      `INSERT INTO conversation_notes (conversation_id, operator_id, client_id, after_seq, body, created_at) VALUES (2, 1, 'note-1', 1, 'x', ?)`,
    ).run(T0);
    const TABLES = ['visitors', 'conversations', 'messages', 'conversation_notes', 'mail_outbox'];
    const newest = () => Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT max(id) FROM ${t}`).pluck().get() as number]));
    const everIssued = newest();
    // An erasure of the newest visitor before the upgrade: its conversation, messages and notes go with it.
    db.prepare(`DELETE FROM visitors WHERE id = 2`).run();
    db.prepare(`DELETE FROM mail_outbox`).run();
    expect(migrate(db)).toBe(LATEST);
    expectHealthy(db);
    const insertAll = () => {
      db.prepare(`INSERT INTO visitors (token_hash, label, created_at, last_seen_at) VALUES (?, 'Visitor 8', ?, ?)`).run(
        crypto.randomBytes(32),
        T0,
        T0,
      );
      db.prepare(
        `INSERT INTO conversations (public_id, visitor_id, status, created_at, updated_at) VALUES (?, last_insert_rowid(), 'open', ?, ?)`,
      ).run(`conv-${crypto.randomBytes(4).toString('hex')}`, T0, T0);
      db.prepare(
        `INSERT INTO messages (conversation_id, seq, client_id, author, body, created_at) VALUES (last_insert_rowid(), 1, ?, 'visitor', 'new', ?)`,
      ).run(`client-${crypto.randomBytes(4).toString('hex')}`, T0);
      db.prepare(
        `INSERT INTO conversation_notes (conversation_id, operator_id, client_id, after_seq, body, created_at) VALUES (1, 1, ?, 1, 'y', ?)`,
      ).run(`note-${crypto.randomBytes(4).toString('hex')}`, T0);
      db.prepare(`INSERT INTO mail_outbox (to_address, subject, body, created_at) VALUES ('new@example.test', 's', 'b', ?)`).run(T0);
      return newest();
    };
    const first = insertAll();
    for (const table of TABLES) expect(first[table], table).toBeGreaterThan(everIssued[table] ?? 0);
    // The newest rows deleted after the upgrade (foreign keys still cascade): their ids are not issued again.
    db.prepare(`DELETE FROM visitors WHERE id = ?`).run(first.visitors);
    expect(db.prepare(`SELECT count(*) FROM conversations WHERE id = ?`).pluck().get(first.conversations)).toBe(0);
    db.prepare(`DELETE FROM mail_outbox WHERE id = ?`).run(first.mail_outbox);
    db.prepare(`DELETE FROM conversation_notes WHERE id = ?`).run(first.conversation_notes);
    const second = insertAll();
    for (const table of TABLES) expect(second[table], table).toBe(first[table] + 1);
    // The search index still follows the rebuilt messages table.
    expect(db.prepare(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'refund'`).pluck().all()).toHaveLength(1);
    db.close();
  });

  test('a migration is not applied with foreign keys on (a table rebuild would cascade its delete)', () => {
    const db = databaseAt(LATEST - 1);
    db.pragma('foreign_keys = ON');
    expect(() => applyMigration(db, LATEST)).toThrow(/foreign keys off/);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST - 1);
    db.close();
  });

  test('a database from a newer server is refused and left untouched', () => {
    const db = databaseAt(LATEST);
    db.pragma(`user_version = ${LATEST + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this server/);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST + 1);
    db.close();
  });

  test('migration 7 keeps every request with what points at it, and takes requests by mail that need triage', () => {
    const db = databaseAt(5);
    seed(db, 5);
    db.prepare(
      `INSERT INTO verifications (id, request_id, kind, secret_hash, email_hash, created_at, expires_at) VALUES ('v1', 1, 'link', ?, ?, ?, ?)`,
    ).run(crypto.randomBytes(32), crypto.randomBytes(32), T0, T0 + 1000);
    db.prepare(`INSERT INTO privacy_request_watchers (token_hash, request_id) VALUES (?, 1)`).run(crypto.randomBytes(32));
    expect(migrate(db)).toBe(LATEST);
    expectHealthy(db);
    expect(db.prepare(`SELECT count(*) FROM verifications WHERE request_id = 1`).pluck().get()).toBe(1);
    db.prepare(
      `INSERT INTO privacy_requests (reference, type, state, jurisdiction, source, email, email_hash, lang, received_at, updated_at)
       VALUES ('PR-2026-000002', NULL, 'awaiting_verification', 'gdpr', 'email', 'lee@example.test', ?, 'en', ?, ?)`,
    ).run(crypto.randomBytes(32), T0, T0);
    expect(() => db.prepare(`UPDATE privacy_requests SET type = 'everything' WHERE reference = 'PR-2026-000002'`).run()).toThrow(
      /CHECK constraint/,
    );
    // Deleting a request still cascades to what points at it (the rebuilt table kept its name in their keys).
    db.prepare(`DELETE FROM privacy_request_watchers`).run();
    db.prepare(`DELETE FROM privacy_requests WHERE id = 1`).run();
    expect(db.prepare(`SELECT count(*) FROM verifications`).pluck().get()).toBe(0);
    db.close();
  });

  test('a migration that fails leaves the database at the version before it', () => {
    const db = databaseAt(1);
    // Something in the way of migration 2: a table it creates already exists.
    db.exec(`CREATE TABLE privacy_requests (id INTEGER PRIMARY KEY)`);
    expect(() => migrate(db)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'`).pluck().get()).toBe(0);
    db.close();
  });
});

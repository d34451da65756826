import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import type { Db } from '../../server/db/open';

/** The rows a query returns, as plain objects. */
export function rows(db: Db, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  return db.prepare(sql).all(...params) as Record<string, unknown>[];
}

/** The names of the database's own tables (SQLite's internal ones left out). */
function userTables(db: Db): string[] {
  return db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
}

/** Every value in every table of the database. */
export function allStoredValues(db: Db): unknown[] {
  return userTables(db).flatMap((table) => rows(db, `SELECT * FROM "${table}"`).flatMap((row) => Object.values(row)));
}

/**
 * A hash of every row of every table (SQLite's own included): equal before and after means nothing changed.
 * The search index is left out: it is derived from the messages, and the server adds to it in batches in
 * the background (migration 14), whatever a test is doing at that moment.
 */
export function databaseDigest(db: Db): string {
  const tables = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'messages_fts%' AND name <> 'search_index_state' ORDER BY name`,
    )
    .pluck()
    .all() as string[];
  const hash = crypto.createHash('sha256');
  for (const table of tables) {
    hash.update(`\n#${table}\n`);
    for (const row of db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]) {
      hash.update(
        JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v)),
      );
    }
  }
  return hash.digest('hex');
}

/** Every row of each of `tables`, keyed by table name, in primary-key order. */
export function tableRows(db: Db, tables: string[]): Record<string, unknown[]> {
  return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all()]));
}

/** Every stored chat row (visitors, conversations, messages), for before/after comparisons. */
export function chatSnapshot(db: Db) {
  return {
    visitors: rows(db, 'SELECT * FROM visitors ORDER BY id'),
    conversations: rows(db, 'SELECT * FROM conversations ORDER BY id'),
    messages: rows(db, 'SELECT * FROM messages ORDER BY id'),
  };
}

/** Every message and each conversation's sequence counter and list state, for before/after comparisons. */
export function sequenceSnapshot(db: Db) {
  return {
    conversations: db
      .prepare('SELECT id, public_id, last_seq, assigned_operator_id, status, last_message_preview FROM conversations ORDER BY id')
      .all(),
    messages: db.prepare('SELECT * FROM messages ORDER BY id').all(),
  };
}

/** A stored chat message as the delivery tests compare it. */
export interface StoredMessage {
  conversationId: string;
  seq: number;
  clientId: string;
  text: string;
}

const STORED_MESSAGES = `SELECT c.public_id AS conversationId, m.seq, m.client_id AS clientId, m.body AS text
                           FROM messages m JOIN conversations c ON c.id = m.conversation_id ORDER BY c.id, m.seq`;

/** Every stored message, by conversation and sequence. */
export function storedMessages(db: Db): StoredMessage[] {
  return db.prepare(STORED_MESSAGES).all() as StoredMessage[];
}

/** Every message stored in the database file at `databasePath`, read through a connection of its own (for a server in another process). */
export function storedMessagesIn(databasePath: string): StoredMessage[] {
  const db = new Database(databasePath, { readonly: true });
  try {
    return storedMessages(db);
  } finally {
    db.close();
  }
}

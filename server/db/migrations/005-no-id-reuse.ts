import type { Database } from 'better-sqlite3';

/**
 * Tables whose ids leave the database (socket rooms, pushes, the dev outbox, audit details) or name a
 * person's rows. SQLite reuses the highest rowid once its row is deleted: after an erasure, the next
 * visitor got the erased visitor's id (and the next mail the erased mail's). AUTOINCREMENT never reuses.
 */
const TABLES = ['visitors', 'conversations', 'messages', 'conversation_notes', 'mail_outbox'] as const;

/**
 * Rows deleted from the top before this migration (an erasure of the newest visitors) left no trace of
 * their ids: new ids start this far above the highest one kept, past any of them.
 */
const ID_HEADROOM = 1_000_000;

/**
 * Rebuilds each table with `id INTEGER PRIMARY KEY AUTOINCREMENT`, rows, ids, indexes and triggers kept
 * (SQLite's own procedure for changing a table's definition; migrate() runs it with foreign keys off, so
 * dropping the old table cascades to nothing, and checks them before committing).
 */
export default function noIdReuse(db: Database): void {
  for (const table of TABLES) {
    const { sql } = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) as { sql: string };
    const rebuilt = sql
      .replace(/^CREATE TABLE "?\w+"?/, `CREATE TABLE ${table}_rebuilt`)
      .replace(/\bid(\s+)INTEGER PRIMARY KEY\b(?! AUTOINCREMENT)/, 'id$1INTEGER PRIMARY KEY AUTOINCREMENT');
    if (rebuilt === sql || !rebuilt.includes('AUTOINCREMENT')) throw new Error(`migration 5: unexpected definition of ${table}`);
    // Indexes and triggers go with the old table; recreated from their own definitions afterwards.
    const dependents = db
      .prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
      .pluck()
      .all(table) as string[];
    db.exec(rebuilt);
    db.exec(`INSERT INTO ${table}_rebuilt SELECT * FROM ${table}`);
    db.exec(`DROP TABLE ${table}`);
    db.exec(`ALTER TABLE ${table}_rebuilt RENAME TO ${table}`);
    for (const statement of dependents) db.exec(statement);
    const highest = db.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get() as number;
    db.prepare(`DELETE FROM sqlite_sequence WHERE name IN (?, ?)`).run(table, `${table}_rebuilt`);
    db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`).run(table, highest + ID_HEADROOM);
  }
}

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate';

/** Opens (creating if needed) and migrates the database: WAL, synchronous=FULL, foreign keys on. */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = connectDatabase(file);
  migrate(db);
  return db;
}

/**
 * A connection with this app's settings, for a database that exists (the writer thread's own). WAL lets
 * the main connection read while another commits; each waits up to 5 s for the other's write lock.
 */
export function connectDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

export type Db = Database.Database;

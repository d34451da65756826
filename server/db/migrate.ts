import type { Database } from 'better-sqlite3';
import m001 from './migrations/001-chat';
import m002 from './migrations/002-privacy';
import m003 from './migrations/003-console';
import m004 from './migrations/004-retention';
import m005 from './migrations/005-no-id-reuse';
import m006 from './migrations/006-audit-chain';
import m007 from './migrations/007-mail-intake';
import m008 from './migrations/008-ratings';
import m009 from './migrations/009-transcripts';
import m010 from './migrations/010-attachments';
import m011 from './migrations/011-prechat-consent';
import m012 from './migrations/012-data-systems';
import m013 from './migrations/013-offline-replies';
import m014 from './migrations/014-search-index-batches';
import m015 from './migrations/015-resolved-index';

/** A migration: SQL to run, or a function for a change SQL alone cannot say (rebuilding a table). */
export type Migration = string | ((db: Database) => void);

/** Numbered migrations, applied in order; `user_version` records the last one applied. */
export const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012, m013, m014, m015];

/**
 * Applies migration `version` (1-based) in one transaction, foreign keys checked before it commits.
 * Call with foreign keys off (a table rebuild drops the old table, which must not cascade).
 */
export function applyMigration(db: Database, version: number): void {
  // With foreign keys on, dropping a rebuilt table would cascade into every table that points at it.
  if (db.pragma('foreign_keys', { simple: true })) throw new Error('migrations run with foreign keys off (see migrate())');
  db.transaction(() => {
    const migration = MIGRATIONS[version - 1];
    if (typeof migration === 'string') db.exec(migration);
    else migration(db);
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length) throw new Error(`migration ${version} would break ${broken.length} foreign key(s)`);
    db.pragma(`user_version = ${version}`);
  })();
}

/** Brings the schema up to date; each migration runs in its own transaction. Returns the new version. */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this server (${MIGRATIONS.length})`);
  }
  if (current === MIGRATIONS.length) return current;
  // Foreign keys can only be switched outside a transaction; each migration checks them itself.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  // A no-op inside an open transaction; applyMigration refuses to go on if it did not take.
  try {
    for (let version = current + 1; version <= MIGRATIONS.length; version++) applyMigration(db, version);
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return MIGRATIONS.length;
}

import type { Database } from 'better-sqlite3';
import m001 from './migrations/001-chat';
import m002 from './migrations/002-privacy';
import m003 from './migrations/003-console';
import m004 from './migrations/004-retention';

/** Numbered migrations, applied in order; `user_version` records the last one applied. */
export const MIGRATIONS: readonly string[] = [m001, m002, m003, m004];

/** Brings the schema up to date; each migration runs in its own transaction. Returns the new version. */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this server (${MIGRATIONS.length})`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]);
      db.pragma(`user_version = ${version}`);
    })();
  }
  return MIGRATIONS.length;
}

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface BackupResult {
  file: string;
  pages: number;
  /** The schema version (`user_version`) the backup holds. */
  schemaVersion: number;
  /** Where the secrets file was copied, if the database had one beside it. */
  secretsFile: string | null;
  /** Where the attachments' files were copied (`<destination>.attachments/`), and how many; null: none held. */
  attachmentsDir: string | null;
  attachments: number;
}

/**
 * An online, consistent copy of a live database, taken with SQLite's backup API through a separate
 * read-only connection: the running server keeps reading and writing (WAL readers never block
 * writers). All pages are copied in one step: copying in small steps would restart from the first page
 * every time the server commits, and under steady traffic might never finish.
 *
 * The copy is written beside `destination` and renamed into place only after `integrity_check` passed,
 * so a failed or interrupted backup never leaves a half-written file under the requested name.
 * `secrets.json` (the keys of every keyed hash in the database) is copied to `<destination>.secrets.json`
 * with mode 0600: without it a restored database's e-mail hashes and codes can no longer be matched.
 * Attachments' files (the `attachments/` directory beside the database) named by the copy are copied to
 * `<destination>.attachments/` after it was taken: files are never changed once stored, so the copy and
 * the files agree. A file deleted by the server in between (an erasure) is left out, as it should be.
 */
export async function backupDatabase(source: string, destination: string): Promise<BackupResult> {
  const target = path.resolve(destination);
  if (target === path.resolve(source)) throw new Error('the backup file must not be the database itself');
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  let pages: number;
  try {
    db.pragma('busy_timeout = 5000');
    ({ totalPages: pages } = await db.backup(partial, { progress: () => 0x7fffffff }));
  } finally {
    db.close();
  }
  let schemaVersion: number;
  const copy = new Database(partial, { fileMustExist: true });
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`the backup failed its integrity check: ${String(check)}`);
    schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    // A self-contained file: no -wal beside it to lose when it is copied elsewhere.
    copy.pragma('journal_mode = DELETE');
  } catch (error) {
    copy.close();
    for (const file of [partial, `${partial}-wal`, `${partial}-shm`]) fs.rmSync(file, { force: true });
    throw error;
  }
  let keys: string[] = [];
  try {
    const hasTable = copy.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attachments'`).get();
    if (hasTable) keys = copy.prepare('SELECT storage_key FROM attachments').pluck().all() as string[];
  } finally {
    copy.close();
  }
  fs.renameSync(partial, target);

  const sourceFiles = path.join(path.dirname(path.resolve(source)), 'attachments');
  let attachmentsDir: string | null = null;
  let attachments = 0;
  if (keys.length > 0) {
    attachmentsDir = `${target}.attachments`;
    fs.mkdirSync(attachmentsDir, { recursive: true, mode: 0o700 });
    for (const key of keys) {
      if (!/^[A-Za-z0-9_-]{32}$/.test(key)) continue;
      try {
        fs.copyFileSync(path.join(sourceFiles, key), path.join(attachmentsDir, key));
        attachments++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  const secrets = path.join(path.dirname(path.resolve(source)), 'secrets.json');
  let secretsFile: string | null = null;
  if (fs.existsSync(secrets)) {
    secretsFile = `${target}.secrets.json`;
    fs.copyFileSync(secrets, secretsFile);
    fs.chmodSync(secretsFile, 0o600);
  }
  return { file: target, pages, schemaVersion, secretsFile, attachmentsDir, attachments };
}

export interface RestoreResult {
  attachments: number;
  secretsRestored: boolean;
}

/**
 * Puts a backup made by backupDatabase in place of the database at `databasePath` (the server must be
 * stopped): the old database's journal files go first, then the copy, its secrets and its attachments'
 * files. The erasures completed since are carried out again by the caller (erasure-journal.ts).
 */
export function restoreDatabase(backup: string, databasePath: string): RestoreResult {
  const source = path.resolve(backup);
  const target = path.resolve(databasePath);
  if (source === target) throw new Error('The backup is the database itself.');
  const check = new Database(source, { readonly: true, fileMustExist: true });
  try {
    const ok = check.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`The backup fails its integrity check: ${String(ok)}`);
  } finally {
    check.close();
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  for (const file of [`${target}-wal`, `${target}-shm`]) fs.rmSync(file, { force: true });
  const partial = `${target}.restoring`;
  fs.copyFileSync(source, partial);
  fs.renameSync(partial, target);

  let secretsRestored = false;
  if (fs.existsSync(`${source}.secrets.json`)) {
    const secrets = path.join(path.dirname(target), 'secrets.json');
    fs.copyFileSync(`${source}.secrets.json`, secrets);
    fs.chmodSync(secrets, 0o600);
    secretsRestored = true;
  }
  let attachments = 0;
  const files = `${source}.attachments`;
  if (fs.existsSync(files)) {
    const dir = path.join(path.dirname(target), 'attachments');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(files)) {
      if (!/^[A-Za-z0-9_-]{32}$/.test(name)) continue;
      fs.copyFileSync(path.join(files, name), path.join(dir, name));
      attachments++;
    }
  }
  return { attachments, secretsRestored };
}

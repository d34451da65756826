import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { backupDatabase } from '../../server/db/backup';
import { journalPathFor, readJournal } from '../../server/privacy/erasure-journal';
import { privacySuite } from '../helpers/privacy';
import { say } from '../helpers/sockets';
import { ok, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

const run = promisify(execFile);
const dirs: string[] = [];
const apps: TestApp[] = [];
const { s, sockets, newVisitor, operator, fileVerified } = privacySuite(async () => {
  for (const app of apps.splice(0)) await app.close();
});
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-restore-'));
  dirs.push(dir);
  return dir;
};

/** Alice chats, leaves her address, and has her data erased after a backup was taken; Bob only chats. Returns the backup. */
async function eraseAfterBackup() {
  const alice = await newVisitor();
  await say(alice.socket, 'Alice secret 991');
  await ok(alice.socket, VisitorEvent.contactLeave, { email: 'alice@example.test' });
  const bob = await newVisitor();
  await say(bob.socket, 'Bob stays');
  const { id, request } = await fileVerified(alice.socket, 'erasure', 'alice@example.test');

  const backups = tempDir();
  const file = path.join(backups, 'before-erasure.db');
  await backupDatabase(s.t.config.databasePath, file);

  await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'start' });
  await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });
  const journal = journalPathFor(s.t.config.databasePath);
  expect(readJournal(journal)).toEqual([
    expect.objectContaining({ reference: request.reference, requesterHash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
  ]);
  // The journal holds no address.
  expect(fs.readFileSync(journal, 'utf8')).not.toContain('alice');
  return { file, journal, reference: request.reference };
}

function bodies(databasePath: string): string[] {
  const db = new Database(databasePath, { readonly: true });
  try {
    return db.prepare('SELECT body FROM messages WHERE body IS NOT NULL ORDER BY id').pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('erasures survive a restore', () => {
  test('npm run backup -- --restore puts the backup back and carries out again the erasure completed since; a restart then finds nothing to do', async () => {
    const { file, journal, reference } = await eraseAfterBackup();
    // The data directory survived (its journal with it); the database is restored from the older backup.
    const restored = tempDir();
    const databasePath = path.join(restored, 'chat.db');
    fs.copyFileSync(journal, path.join(restored, 'erasures.jsonl'));
    expect(bodies(file)).toContain('Alice secret 991');

    const { stdout } = await run('npm', ['run', '--silent', 'backup', '--', '--restore', file], {
      env: { ...process.env, DATABASE_PATH: databasePath },
      timeout: 60_000,
    });
    expect(stdout).toContain(`1 erasure(s) completed after this backup carried out again: ${reference}`);
    expect(bodies(databasePath).filter((b) => /Alice|Bob/.test(b))).toEqual(['Bob stays']);
    const db = new Database(databasePath, { readonly: true });
    const row = db.prepare('SELECT state, email FROM privacy_requests WHERE reference = ?').get(reference);
    const audit = db
      .prepare(
        'SELECT action, detail FROM audit_log WHERE request_id = (SELECT id FROM privacy_requests WHERE reference = ?) ORDER BY id DESC LIMIT 1',
      )
      .get(reference) as { action: string; detail: string };
    const stored = JSON.stringify(db.prepare('SELECT * FROM visitors').all());
    db.close();
    expect(row).toEqual({ state: 'completed', email: null });
    expect(audit.action).toBe('completed');
    expect(JSON.parse(audit.detail)).toMatchObject({ reapplied: 'after a restore', result: { visitors: 1, conversations: 1 } });
    expect(stored).not.toContain('alice@example.test');

    // A server started on it serves Bob's history and re-applies nothing more.
    const app = await startTestApp({ env: { DATABASE_PATH: databasePath } });
    apps.push(app);
    expect(app.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'completed'").pluck().get()).toBe(1);
    expect(bodies(databasePath).filter((b) => /Alice|Bob/.test(b))).toEqual(['Bob stays']);
  });

  test('an erasure the restored copy never heard of is carried out once, and not again at the next start', async () => {
    const alice = await newVisitor();
    await say(alice.socket, 'Alice secret 991');
    await ok(alice.socket, VisitorEvent.contactLeave, { email: 'alice@example.test' });
    // The backup is older than the request itself.
    const file = path.join(tempDir(), 'before-request.db');
    await backupDatabase(s.t.config.databasePath, file);
    const { id, request } = await fileVerified(alice.socket, 'erasure', 'alice@example.test');
    await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'start' });
    await ok(await operator(), OperatorEvent.privacyAct, { id, action: 'complete' });

    const restored = tempDir();
    const databasePath = path.join(restored, 'chat.db');
    fs.copyFileSync(file, databasePath);
    fs.copyFileSync(`${file}.secrets.json`, path.join(restored, 'secrets.json'));
    fs.copyFileSync(journalPathFor(s.t.config.databasePath), path.join(restored, 'erasures.jsonl'));
    const reapplied = (db: Database.Database) =>
      db
        .prepare("SELECT count(*) FROM audit_log WHERE action = 'erasure re-applied' AND json_extract(detail, '$.reference') = ?")
        .pluck()
        .get(request.reference);

    const first = await startTestApp({ env: { DATABASE_PATH: databasePath } });
    expect(bodies(databasePath).filter((b) => /Alice/.test(b))).toEqual([]);
    expect(reapplied(first.db)).toBe(1);
    // Later Alice comes back and chats under the same address: that is new, and hers to keep.
    const back = sockets.track(visitorClient(first.url));
    await ok(back, VisitorEvent.hello, {});
    await say(back, 'Alice is back');
    await ok(back, VisitorEvent.contactLeave, { email: 'alice@example.test' });
    back.close();
    await first.close();

    const second = await startTestApp({ env: { DATABASE_PATH: databasePath } });
    apps.push(second);
    expect(bodies(databasePath).filter((b) => /Alice/.test(b))).toEqual(['Alice is back']);
    expect(reapplied(second.db)).toBe(1);
  });

  test('a database put back by hand (cp, as README shows) is caught up when the server starts', async () => {
    const { file, journal } = await eraseAfterBackup();
    const restored = tempDir();
    const databasePath = path.join(restored, 'chat.db');
    fs.copyFileSync(file, databasePath);
    fs.copyFileSync(`${file}.secrets.json`, path.join(restored, 'secrets.json'));
    fs.copyFileSync(journal, path.join(restored, 'erasures.jsonl'));
    expect(bodies(databasePath)).toContain('Alice secret 991');

    const app = await startTestApp({ env: { DATABASE_PATH: databasePath } });
    apps.push(app);
    expect(bodies(databasePath).filter((b) => /Alice|Bob/.test(b))).toEqual(['Bob stays']);
  });
});

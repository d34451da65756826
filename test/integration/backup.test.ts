import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanupStack } from '../helpers/cleanup';
import { CatchingUpOperator, RetryingVisitor, waitFor } from '../helpers/durable-clients';
import { startServerProcess } from '../helpers/server-process';
import { ADMIN, signIn } from '../helpers/test-app';

const run = promisify(execFile);
const cleanup = cleanupStack('cw-backup-');
const { tempDir, track } = cleanup;

afterEach(cleanup.runAll);

function npmBackup(databasePath: string, file: string) {
  return run('npm', ['run', '--silent', 'backup', '--', file], { env: { ...process.env, DATABASE_PATH: databasePath }, timeout: 60_000 });
}

describe('online backup and restore', () => {
  test('npm run backup copies the database while the server is writing; the copy is consistent, and a server started on it serves the history', async () => {
    const live = tempDir();
    const databasePath = path.join(live, 'chat.db');
    const env = { VISITOR_MESSAGE_LIMITS: '1000,10000', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
    const server = track(await startServerProcess({ databasePath, env }));
    const visitors = Array.from({ length: 4 }, () => new RetryingVisitor(server.url));
    cleanup.push(() => {
      for (const v of visitors) v.close();
    });

    // Keep writing the whole time the backup runs.
    let writing = true;
    const writers = visitors.map(async (visitor, v) => {
      for (let i = 0; writing; i++) {
        visitor.send(`visitor ${v} line ${i}`);
        await waitFor(() => visitor.unacknowledged === 0, 'acknowledgement');
      }
    });
    await waitFor(() => visitors.every((v) => v.acked.size >= 20), 'some history');

    const backups = tempDir();
    const file = path.join(backups, 'chat-backup.db');
    const { stdout } = await npmBackup(databasePath, file);
    const ackedBeforeBackupEnded = new Map(visitors.map((v) => [v.conversationId!, v.acked.size]));
    writing = false;
    await Promise.all(writers);
    expect(stdout).toContain('integrity ok');

    // A consistent snapshot: intact, with the sequence counters matching the messages stored.
    const copy = new Database(file, { readonly: true, fileMustExist: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    const conversations = copy
      .prepare(
        `SELECT c.public_id AS id, c.last_seq AS lastSeq, count(m.id) AS n, max(m.seq) AS maxSeq FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id`,
      )
      .all() as Array<{ id: string; lastSeq: number; n: number; maxSeq: number }>;
    copy.close();
    expect(conversations).toHaveLength(4);
    for (const c of conversations) {
      expect(c.n).toBe(c.lastSeq);
      expect(c.maxSeq).toBe(c.lastSeq);
      // It holds at least what was acknowledged before the backup began, at most what was acknowledged by its end.
      expect(c.n).toBeGreaterThanOrEqual(20);
      expect(c.n).toBeLessThanOrEqual(ackedBeforeBackupEnded.get(c.id)!);
    }
    // The keys of the stored hashes travel with it, private.
    expect(fs.statSync(`${file}.secrets.json`).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(`${file}.secrets.json`, 'utf8')).toBe(fs.readFileSync(path.join(live, 'secrets.json'), 'utf8'));

    // Restore as README says: the backup becomes the database, its secrets file becomes secrets.json.
    const restored = tempDir();
    fs.copyFileSync(file, path.join(restored, 'chat.db'));
    fs.copyFileSync(`${file}.secrets.json`, path.join(restored, 'secrets.json'));
    const second = track(await startServerProcess({ databasePath: path.join(restored, 'chat.db'), env }));
    // The visitor comes back with the same token and sees its latest page…
    const returning = new RetryingVisitor(second.url);
    cleanup.push(() => returning.close());
    returning.token = visitors[0].token;
    const expected = conversations.find((c) => c.id === visitors[0].conversationId)!;
    const texts = Array.from({ length: expected.n }, (_, i) => `visitor 0 line ${i}`);
    await waitFor(() => returning.seen.has(expected.n), 'the restored history');
    expect(returning.conversationId).toBe(visitors[0].conversationId);
    const page = [...returning.seen.values()].sort((a, b) => a.seq - b.seq);
    expect(page.map((m) => m.text)).toEqual(texts.slice(texts.length - page.length));
    // …and an operator (the admin account lives in the database too) sees every conversation in full.
    const operator = new CatchingUpOperator(second.url, await signIn(second.url, ADMIN.email, ADMIN.password));
    cleanup.push(() => operator.close());
    await waitFor(() => conversations.every((c) => operator.lastSeq(c.id) === c.n), 'the operator to load every conversation');
    expect(operator.messages.get(expected.id)!.map((m) => m.text)).toEqual(texts);
  });

  test('npm run backup refuses to overwrite the database itself and says how to use it', async () => {
    const dir = tempDir();
    const databasePath = path.join(dir, 'chat.db');
    const db = new Database(databasePath);
    db.exec('CREATE TABLE t (x)');
    db.close();
    await expect(npmBackup(databasePath, databasePath)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('must not be the database itself'),
    });
    await expect(run('npm', ['run', '--silent', 'backup'], { env: { ...process.env, DATABASE_PATH: databasePath } })).rejects.toMatchObject(
      {
        code: 2,
        stderr: expect.stringContaining('usage: npm run backup -- <backup-file>'),
      },
    );
    await expect(npmBackup(path.join(dir, 'missing.db'), path.join(dir, 'out.db'))).rejects.toMatchObject({ code: 1 });
    expect(fs.existsSync(path.join(dir, 'out.db'))).toBe(false);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { writerThreadSpawner } from '../../server/writer/spawn';
import { commitBatch, KeepWrites, MAX_BATCH } from '../../server/writer/group-commit';
import { openDatabase, type Db } from '../../server/db/open';
import { VisitorRepository } from '../../server/db/repositories/visitor-repository';
import { ThreadWriter } from '../../server/writer/client';
import { sqliteTransactions } from '../../server/writer/transaction';
import type { ChatWrites, StoredMessage } from '../../server/chat/chat-writes';
import { AppError } from '../../shared/errors';

/** Limits far above what these tests send: they are about storage, not about limits. */
const LIMITS = { burst: { limit: 100_000, windowMs: 10_000 }, sustained: { limit: 100_000, windowMs: 3_600_000 } };
const PRIVACY = { hmacKey: Buffer.alloc(32, 7), jurisdiction: 'gdpr' as const, mailDomain: 'localhost' };
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const silent = pino({ level: 'silent' });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A migrated database in a temp dir, a writer thread on it, and the threads it started (newest last). */
function setup(windowMs?: number): { db: Db; writer: ThreadWriter<ChatWrites>; threads: Worker[]; visitors: number[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-writer-'));
  const db = openDatabase(path.join(dir, 'chat.db'));
  const spawn = writerThreadSpawner(db.name, { limits: LIMITS, privacy: PRIVACY, offlineReplyDelayMs: 60_000 });
  const threads: Worker[] = [];
  const writer = new ThreadWriter<ChatWrites>(
    () => {
      const worker = spawn();
      threads.push(worker);
      return worker;
    },
    silent,
    windowMs,
  );
  cleanups.push(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  cleanups.push(() => writer.close());
  const repo = new VisitorRepository(db);
  const visitors = Array.from({ length: 30 }, (_, i) => repo.create(Buffer.alloc(32, i + 1), `Visitor ${i}`, null, NOW).id);
  return { db, writer, threads, visitors };
}

function storedRows(db: Db): Array<{ visitorId: number; seq: number; clientId: string }> {
  return db
    .prepare(
      `SELECT c.visitor_id AS visitorId, m.seq, m.client_id AS clientId FROM messages m JOIN conversations c ON c.id = m.conversation_id
        ORDER BY c.visitor_id, m.seq`,
    )
    .all() as Array<{ visitorId: number; seq: number; clientId: string }>;
}

describe('the writer thread', () => {
  test(`more writes in one turn than fit a batch (${MAX_BATCH}) are committed in slices, each exactly once and in the order asked`, async () => {
    const { db, writer, visitors } = setup();
    const asked: Array<{ visitorId: number; clientId: string }> = [];
    const writes: Array<Promise<StoredMessage>> = [];
    for (let i = 0; i < 1500; i++) {
      const visitorId = visitors[i % visitors.length];
      const clientId = `m-${i}`;
      asked.push({ visitorId, clientId });
      writes.push(writer.run('visitorMessage', { visitorId, clientId, text: `message ${i}`, page: null, now: NOW }));
    }
    const results = await Promise.all(writes);
    expect(results.every((r) => r.created)).toBe(true);
    // Committed means readable from the main connection as soon as the promise resolved.
    const rows = storedRows(db);
    expect(rows).toHaveLength(1500);
    for (const visitorId of visitors) {
      const own = rows.filter((r) => r.visitorId === visitorId);
      expect(own.map((r) => r.clientId)).toEqual(asked.filter((a) => a.visitorId === visitorId).map((a) => a.clientId));
      expect(own.map((r) => r.seq)).toEqual(own.map((_, i) => i + 1));
    }
    expect(writer.stats.writes).toBe(1500);
    expect(writer.stats.batches).toBeGreaterThanOrEqual(Math.ceil(1500 / MAX_BATCH));
  });

  test('a lone write, or a few, is posted at once however long the window; once writes come together the next wait for the window and share one commit', async () => {
    const { db, writer, visitors } = setup(60_000);
    const send = (i: number) =>
      writer.run('visitorMessage', { visitorId: visitors[i % 3], clientId: `w-${i}`, text: `text ${i}`, page: null, now: NOW });
    // Nothing was posted before it: a 60-second window would time this test out if it held the write.
    await send(0);
    expect(writer.stats.batches).toBe(1);
    // A few asked in one turn after a lone write: not held either, one commit.
    await Promise.all([send(1), send(2), send(3), send(4)]);
    expect(writer.stats).toMatchObject({ batches: 2, writes: 5 });
    // Now writes come together: those asked in the turns that follow wait for the window…
    const held = [];
    for (let i = 5; i < 15; i++) {
      held.push(send(i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(writer.stats.batches).toBe(2);
    expect(storedRows(db)).toHaveLength(5);
    // …and go as one batch (here when settled() asks for everything at once, as close() does).
    await writer.settled();
    expect((await Promise.all(held)).every((r) => r.created)).toBe(true);
    expect(writer.stats).toMatchObject({ batches: 3, writes: 15 });
    expect(storedRows(db)).toHaveLength(15);
  });

  test('the window ends by itself: writes held by it are committed without anything else asking', async () => {
    const { writer, visitors } = setup(1_000);
    const send = (i: number) =>
      writer.run('visitorMessage', { visitorId: visitors[i % 3], clientId: `e-${i}`, text: `text ${i}`, page: null, now: NOW });
    await Promise.all([send(0), send(1), send(2), send(3)]);
    const held = [];
    for (let i = 4; i < 9; i++) {
      held.push(send(i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Nothing but the window's own timer posts them (how many posts depends on how long the turns took on a
    // busy machine; that the window gathers is the test above).
    expect((await Promise.all(held)).every((r) => r.created)).toBe(true);
    expect(writer.stats.writes).toBe(9);
    expect(writer.stats.batches).toBeGreaterThan(1);
  });

  test('one failing write in a batch is refused alone; the others of the batch are stored', async () => {
    const { db, writer, visitors } = setup();
    const first = await writer.run('visitorMessage', {
      visitorId: visitors[0],
      clientId: 'same',
      text: 'first text',
      page: null,
      now: NOW,
    });
    const [good, conflicting, unknown] = await Promise.allSettled([
      writer.run('visitorMessage', { visitorId: visitors[1], clientId: 'other', text: 'fine', page: null, now: NOW }),
      writer.run('visitorMessage', { visitorId: visitors[0], clientId: 'same', text: 'a different text', page: null, now: NOW }),
      writer.run('operatorMessage', {
        operatorId: 1,
        operatorName: 'Ann',
        conversationId: 'no-such-conversation',
        clientId: 'x',
        text: 'hi',
        now: NOW,
      }),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(conflicting).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
    expect((conflicting as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    expect(unknown).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
    expect(
      storedRows(db)
        .map((r) => r.clientId)
        .sort(),
    ).toEqual(['other', 'same']);
    expect(first.message.text).toBe('first text');
  });

  test('a refusal thrown as KeepWrites is answered with its error and keeps the writes before it; a plain throw undoes them', async () => {
    const { db } = setup();
    const repo = new VisitorRepository(db);
    const procedures = {
      refuseKeeping: (args: { n: number }) => {
        repo.create(Buffer.alloc(32, 100 + args.n), 'kept', null, NOW);
        throw new KeepWrites(new AppError('invalid_code', 'That code is not right.'));
      },
      refuse: (args: { n: number }) => {
        repo.create(Buffer.alloc(32, 100 + args.n), 'undone', null, NOW);
        throw new AppError('invalid_code', 'That code is not right.');
      },
    };
    const outcomes = await commitBatch(sqliteTransactions(db), procedures, [
      { id: 1, name: 'refuseKeeping', args: { n: 1 } },
      { id: 2, name: 'refuse', args: { n: 2 } },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : (o.error as AppError).code))).toEqual(['invalid_code', 'invalid_code']);
    expect(db.prepare("SELECT label FROM visitors WHERE label IN ('kept', 'undone')").pluck().all()).toEqual(['kept']);
  });

  test('a write named as refusing before it writes runs without a savepoint; one that then fails unexpectedly is undone alone, the rest of its batch stored', async () => {
    const { db } = setup();
    const repo = new VisitorRepository(db);
    const labels = () => db.prepare("SELECT label FROM visitors WHERE label LIKE 'u-%' ORDER BY label").pluck().all();
    const procedures = {
      store: (args: { n: number }) => repo.create(Buffer.alloc(32, 100 + args.n), `u-${args.n}`, null, NOW).id,
      // Breaks the promise on purpose: a write, then a refusal. Without a savepoint the write stays, which
      // shows the savepoint really is skipped for it.
      refuseLate: (args: { n: number }) => {
        repo.create(Buffer.alloc(32, 100 + args.n), `u-${args.n}-refused`, null, NOW);
        throw new AppError('conflict', 'Refused after writing.');
      },
      failLate: (args: { n: number }) => {
        repo.create(Buffer.alloc(32, 100 + args.n), `u-${args.n}-failed`, null, NOW);
        throw new Error('disk I/O error');
      },
    };
    const unguarded = new Set(['store', 'refuseLate', 'failLate']);
    const transactions = sqliteTransactions(db);
    const refused = await commitBatch(
      transactions,
      procedures,
      [
        { id: 1, name: 'store', args: { n: 1 } },
        { id: 2, name: 'refuseLate', args: { n: 2 } },
      ],
      unguarded,
    );
    expect(refused.map((o) => (o.ok ? 'ok' : (o.error as AppError).code))).toEqual(['ok', 'conflict']);
    expect(labels()).toEqual(['u-1', 'u-2-refused']);

    const failed = await commitBatch(
      transactions,
      procedures,
      [
        { id: 3, name: 'store', args: { n: 3 } },
        { id: 4, name: 'failLate', args: { n: 4 } },
        { id: 5, name: 'store', args: { n: 5 } },
      ],
      unguarded,
    );
    expect(failed.map((o) => (o.ok ? 'ok' : (o.error as Error).message))).toEqual(['ok', 'disk I/O error', 'ok']);
    // The rerun gave every write a savepoint: the failed one's first write is gone, its neighbours stored once.
    expect(labels()).toEqual(['u-1', 'u-2-refused', 'u-3', 'u-5']);
  });

  test('procedures that really await (as on PostgreSQL) keep their savepoints: a failure after an await undoes that write alone, a nested savepoint alone', async () => {
    const { db } = setup();
    const repo = new VisitorRepository(db);
    const transactions = sqliteTransactions(db);
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const labels = () => db.prepare("SELECT label FROM visitors WHERE label LIKE 'a-%' ORDER BY label").pluck().all();
    const procedures = {
      store: async (args: { n: number }) => {
        await tick();
        return repo.create(Buffer.alloc(32, 150 + args.n), `a-${args.n}`, null, NOW).id;
      },
      failAfterAwait: async (args: { n: number }) => {
        repo.create(Buffer.alloc(32, 150 + args.n), `a-${args.n}-failed`, null, NOW);
        await tick();
        throw new Error('lost the connection');
      },
      nested: async (args: { n: number }) => {
        repo.create(Buffer.alloc(32, 150 + args.n), `a-${args.n}-outer`, null, NOW);
        await transactions
          .savepoint(async () => {
            repo.create(Buffer.alloc(32, 160 + args.n), `a-${args.n}-inner`, null, NOW);
            await tick();
            throw new AppError('conflict', 'Inner refusal.');
          })
          .catch(() => {});
        return null;
      },
    };
    const outcomes = await commitBatch(transactions, procedures, [
      { id: 1, name: 'store', args: { n: 1 } },
      { id: 2, name: 'failAfterAwait', args: { n: 2 } },
      { id: 3, name: 'nested', args: { n: 3 } },
      { id: 4, name: 'store', args: { n: 4 } },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : (o.error as Error).message))).toEqual(['ok', 'lost the connection', 'ok', 'ok']);
    expect(labels()).toEqual(['a-1', 'a-3-outer', 'a-4']);
    expect(db.inTransaction).toBe(false);
  });

  test("a visitor's message is refused before anything is written: no conversation opened, no page moved", async () => {
    const { db, writer, visitors } = setup();
    const conversations = () =>
      db.prepare('SELECT visitor_id AS visitorId, page_url AS pageUrl FROM conversations ORDER BY visitor_id').all();
    const first = writer.run('visitorMessage', {
      visitorId: visitors[0],
      clientId: 'with-a-file',
      text: 'see attached',
      attachmentId: 'no-such-file',
      page: { url: 'https://shop.example/a', title: 'A' },
      now: NOW,
    });
    await expect(first).rejects.toMatchObject({ code: 'not_found' });
    expect(conversations()).toEqual([]);

    await writer.run('visitorMessage', {
      visitorId: visitors[0],
      clientId: 'hello',
      text: 'hello',
      page: { url: 'https://shop.example/a', title: 'A' },
      now: NOW,
    });
    const [moved, resentDifferently] = await Promise.allSettled([
      writer.run('visitorMessage', {
        visitorId: visitors[0],
        clientId: 'from-b',
        text: 'a file from page B',
        attachmentId: 'no-such-file',
        page: { url: 'https://shop.example/b', title: 'B' },
        now: NOW + 1,
      }),
      writer.run('visitorMessage', {
        visitorId: visitors[0],
        clientId: 'hello',
        text: 'changed',
        page: { url: 'https://shop.example/c', title: 'C' },
        now: NOW + 2,
      }),
    ]);
    expect(moved).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
    expect(resentDifferently).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
    expect(conversations()).toEqual([{ visitorId: visitors[0], pageUrl: 'https://shop.example/a' }]);
    expect(storedRows(db).map((r) => r.clientId)).toEqual(['hello']);
  });

  test('while another process holds the write lock (the admin command), the thread waits for it instead of failing its batch', async () => {
    const { db, writer, visitors } = setup();
    await writer.run('visitorMessage', { visitorId: visitors[0], clientId: 'warm-up', text: 'first', page: null, now: NOW });
    const touch = db.prepare('UPDATE visitors SET last_seen_at = last_seen_at + 1 WHERE id = ?');
    for (let round = 0; round < 3; round++) {
      const writes = Array.from({ length: 50 }, (_, i) =>
        writer.run('visitorMessage', {
          visitorId: visitors[i % visitors.length],
          clientId: `r-${round}-${i}`,
          text: `text ${i}`,
          page: null,
          now: NOW,
        }),
      );
      // The writes are posted to the thread at the end of this turn; then another connection takes the write
      // lock and keeps it for a while (as `npm run admin` beside a running server may), mid-batch for the thread.
      await new Promise((resolve) => setImmediate(resolve));
      db.transaction(() => {
        touch.run(visitors[0]);
        const until = performance.now() + 150;
        while (performance.now() < until) touch.run(visitors[1]);
      }).immediate();
      const outcomes = await Promise.allSettled(writes);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    }
    expect(storedRows(db)).toHaveLength(151);
  });

  test('a thread that stops fails the writes it had not reported as retryable; a new thread takes over and a resend is stored once', async () => {
    const { db, writer, threads, visitors } = setup();
    await writer.run('visitorTouch', { visitorId: visitors[0], lang: null, now: NOW });
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      writer.run('visitorMessage', { visitorId: visitors[i % 5], clientId: `f-${i}`, text: `text ${i}`, page: null, now: NOW }),
    );
    // The thread dies with the writes posted to it (as a crash would).
    await threads[0].terminate();
    const outcomes = await Promise.allSettled(inFlight);
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(failed.length).toBeGreaterThan(0);
    for (const i of failed) expect((outcomes[i] as PromiseRejectedResult).reason).toMatchObject({ code: 'internal' });
    expect(threads).toHaveLength(2);

    // Clients resend what was not acknowledged, with the same client ids: each is stored exactly once.
    const resent = await Promise.all(
      inFlight.map((_, i) =>
        writer.run('visitorMessage', { visitorId: visitors[i % 5], clientId: `f-${i}`, text: `text ${i}`, page: null, now: NOW }),
      ),
    );
    expect(resent).toHaveLength(200);
    const rows = storedRows(db);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.clientId)).size).toBe(200);
  });

  test('the thread tells its id in the operating system where /proc has it: a thread of this process, not the main one (the benchmark splits CPU by it)', async () => {
    const { writer } = setup();
    await writer.ready;
    const tid = writer.stats.osThreadId;
    if (!fs.existsSync('/proc/thread-self')) {
      expect(tid).toBeNull();
      return;
    }
    expect(tid).not.toBe(process.pid);
    expect(fs.existsSync(`/proc/self/task/${tid}`)).toBe(true);
  });

  test('a thread that cannot open the database fails `ready` with the reason (so the server does not start), and every write with a retryable answer', async () => {
    const missing = path.join(os.tmpdir(), 'cw-no-such-dir', 'nested', 'chat.db');
    const writer = new ThreadWriter<ChatWrites>(
      writerThreadSpawner(missing, { limits: LIMITS, privacy: PRIVACY, offlineReplyDelayMs: 60_000 }),
      silent,
    );
    cleanups.push(() => writer.close());
    await expect(writer.ready).rejects.toThrow(/writer thread stopped before it opened the database.*directory does not exist/);
    await expect(writer.run('visitorTouch', { visitorId: 1, lang: null, now: NOW })).rejects.toMatchObject({ code: 'internal' });
  });

  test('the app has one writer: its own connection refuses writes, and a sign-in writes its session through the thread', async () => {
    const { startApp } = await import('../../server/app');
    const { loadConfig } = await import('../../server/config');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-one-writer-'));
    const config = loadConfig({ PORT: '0', DATABASE_PATH: path.join(dir, 'chat.db'), LOG_LEVEL: 'silent' });
    const db = openDatabase(config.databasePath);
    const app = await startApp({ config, db, port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await app.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    expect(() => db.prepare(`INSERT INTO settings (key, value) VALUES ('probe', '1')`).run()).toThrow(/readonly/);
    await app.services.auth.ensureFirstAdmin('admin@example.test', 'correct horse battery staple');
    const before = app.writerStats.writes;
    const res = await fetch(`${app.config.publicUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.test', password: 'correct horse battery staple' }),
    });
    expect(res.status).toBe(200);
    expect(app.writerStats.writes).toBe(before + 1);
    expect(db.prepare('SELECT count(*) FROM operator_sessions').pluck().get()).toBe(1);
  });

  test('close waits for the writes already asked for, then refuses new ones with a retryable answer', async () => {
    const { db, writer, visitors } = setup();
    const before = Array.from({ length: 50 }, (_, i) =>
      writer.run('visitorMessage', { visitorId: visitors[0], clientId: `c-${i}`, text: `text ${i}`, page: null, now: NOW }),
    );
    await writer.close();
    expect((await Promise.all(before)).every((r) => r.created)).toBe(true);
    await expect(writer.run('visitorTouch', { visitorId: visitors[0], lang: null, now: NOW })).rejects.toMatchObject({ code: 'internal' });
    expect(storedRows(db)).toHaveLength(50);
  });
});

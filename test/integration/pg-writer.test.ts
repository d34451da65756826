import pino from 'pino';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { REFUSE_BEFORE_WRITING } from '../../server/chat/chat-writes';
import { migratePg } from '../../server/db/pg/migrate-pg';
import { openPgPool } from '../../server/db/pg/pg-pool';
import { PgWriter } from '../../server/db/pg/pg-writer';
import { createPgRepositories } from '../../server/db/pg/repositories/index';
import { randomToken, sha256 } from '../../server/platform/crypto';
import { createWriteProceduresOn, type WriterProcedures } from '../../server/writer/procedures';
import { AppError } from '../../shared/errors';
import { startPostgres, type TestPostgres } from '../helpers/postgres';

/**
 * The same write procedures the SQLite writer thread runs, on PostgreSQL through PgWriter: group commit,
 * a savepoint per write, and the row locks that let writers on several nodes share one database.
 */
const silent = pino({ level: 'silent' });
const options = {
  limits: { burst: { limit: 10_000, windowMs: 10_000 }, sustained: { limit: 100_000, windowMs: 3_600_000 } },
  privacy: { hmacKey: Buffer.alloc(32, 5), jurisdiction: 'gdpr' as const, mailDomain: 'example.test' },
  offlineReplyDelayMs: 60_000,
};
const unguarded = new Set<string>(REFUSE_BEFORE_WRITING);

let postgres: TestPostgres;
const pools: pg.Pool[] = [];
const writers: Array<PgWriter<WriterProcedures>> = [];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close()));
  await Promise.all(pools.splice(0).map((p) => p.end()));
});
afterAll(async () => {
  await postgres?.stop();
});

async function database(): Promise<string> {
  const url = await postgres.createDatabase();
  const pool = openPgPool(url, { max: 2 });
  // A client the server ended while idle (the outage test) is reported here; the pool replaces it.
  pool.on('error', () => {});
  pools.push(pool);
  await migratePg(pool);
  return url;
}

/** One node's writer on the database at `url`, with a pool of its own. */
function node(url: string): { writer: PgWriter<WriterProcedures>; pool: pg.Pool } {
  const pool = openPgPool(url, { max: 4 });
  pool.on('error', () => {});
  pools.push(pool);
  const writer = new PgWriter<WriterProcedures>(
    pool,
    (stores, transactions) => createWriteProceduresOn(stores, transactions, options),
    unguarded,
    silent,
  );
  writers.push(writer);
  return { writer, pool };
}

const now = () => Date.now();

describe('the write procedures on PostgreSQL', () => {
  test("a visitor's messages and an operator's replies are stored in order, each once, a resend answered as before", async () => {
    const url = await database();
    const { writer, pool } = node(url);
    const visitor = await writer.run('visitorCreate', {
      tokenHash: sha256(randomToken()).toString('hex'),
      label: 'Visitor 1A2B',
      lang: 'en',
      now: now(),
    });
    const first = await writer.run('visitorMessage', { visitorId: visitor.id, clientId: 'v-1', text: 'Hello', page: null, now: now() });
    expect(first.message).toMatchObject({ seq: 1, author: 'visitor', text: 'Hello' });
    const operator = await writer.run('operatorCreateFirst', { email: 'op@example.test', name: 'Op', passwordHash: 'x', now: now() });
    const reply = await writer.run('operatorMessage', {
      operatorId: operator!.id,
      operatorName: 'Op',
      conversationId: first.message.conversationId,
      clientId: 'o-1',
      text: 'Hi! How can I help?',
      now: now(),
    });
    expect(reply.message.seq).toBe(2);
    // The same client id again: the stored message, not a second one.
    const again = await writer.run('visitorMessage', { visitorId: visitor.id, clientId: 'v-1', text: 'Hello', page: null, now: now() });
    expect(again.message.id).toBe(first.message.id);
    const stored = await createPgRepositories(pool).messages.after(first.conversationRowId, first.message.conversationId, 0, 50);
    expect(stored.map((m) => [m.seq, m.clientId, m.text])).toEqual([
      [1, 'v-1', 'Hello'],
      [2, 'o-1', 'Hi! How can I help?'],
    ]);
  });

  test('a refused write fails alone: its neighbours in the batch are stored', async () => {
    const url = await database();
    const { writer, pool } = node(url);
    const visitor = await writer.run('visitorCreate', {
      tokenHash: sha256(randomToken()).toString('hex'),
      label: 'Visitor 3C4D',
      lang: 'en',
      now: now(),
    });
    // Asked together: they share a batch.
    const results = await Promise.allSettled([
      writer.run('visitorMessage', { visitorId: visitor.id, clientId: 'a', text: 'one', page: null, now: now() }),
      writer.run('operatorMessage', {
        operatorId: 1,
        operatorName: 'Nobody',
        conversationId: 'no-such',
        clientId: 'x',
        text: 'lost',
        now: now(),
      }),
      writer.run('visitorMessage', { visitorId: visitor.id, clientId: 'b', text: 'two', page: null, now: now() }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    const conversation = await createPgRepositories(pool).conversations.byVisitor(visitor.id);
    expect(conversation?.lastSeq).toBe(2);
  });

  test('two nodes writing to one conversation at once queue on its row lock: every message stored once, in one unbroken sequence', async () => {
    const url = await database();
    const a = node(url);
    const b = node(url);
    const visitor = await a.writer.run('visitorCreate', {
      tokenHash: sha256(randomToken()).toString('hex'),
      label: 'Visitor 5E6F',
      lang: 'en',
      now: now(),
    });
    const opening = await a.writer.run('visitorMessage', { visitorId: visitor.id, clientId: 'v-0', text: 'start', page: null, now: now() });
    const operator = await b.writer.run('operatorCreateFirst', { email: 'op@example.test', name: 'Op', passwordHash: 'x', now: now() });
    const conversationId = opening.message.conversationId;
    // The first reply assigns the conversation; from then on neither node's writes take any other lock first.
    await b.writer.run('operatorMessage', {
      operatorId: operator!.id,
      operatorName: 'Op',
      conversationId,
      clientId: 'o-0',
      text: 'hi',
      now: now(),
    });
    // Each node writes one message after the other, both at once: many small batches that interleave.
    const rejected: unknown[] = [];
    const visitorSide = async () => {
      for (let i = 1; i <= 40; i++)
        await a.writer
          .run('visitorMessage', { visitorId: visitor.id, clientId: `v-${i}`, text: `visitor ${i}`, page: null, now: now() })
          .catch((e: unknown) => rejected.push(e));
    };
    const operatorSide = async () => {
      for (let i = 1; i <= 40; i++)
        await b.writer
          .run('operatorMessage', {
            operatorId: operator!.id,
            operatorName: 'Op',
            conversationId,
            clientId: `o-${i}`,
            text: `operator ${i}`,
            now: now(),
          })
          .catch((e: unknown) => rejected.push(e));
    };
    await Promise.all([visitorSide(), operatorSide()]);
    expect(rejected).toEqual([]);
    const stored = await createPgRepositories(a.pool).messages.after(opening.conversationRowId, conversationId, 0, 200);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 82 }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.clientId)).size).toBe(82);
    // Each node's own writes kept their order.
    const visitorOrder = stored.filter((m) => m.author === 'visitor').map((m) => m.clientId);
    expect(visitorOrder).toEqual(['v-0', ...Array.from({ length: 40 }, (_, i) => `v-${i + 1}`)]);
    expect((await createPgRepositories(a.pool).conversations.byRowId(opening.conversationRowId))?.lastSeq).toBe(82);
  });

  test('a database that does not answer fails the batch with a clear error, and the writer goes on once it is back', async () => {
    const url = await database();
    const { writer } = node(url);
    const visitor = await writer.run('visitorCreate', {
      tokenHash: sha256(randomToken()).toString('hex'),
      label: 'Visitor 7A8B',
      lang: 'en',
      now: now(),
    });
    // Every connection of this database ended from the server's side, as when it restarts.
    const admin = openPgPool(postgres.url(), { max: 1 });
    admin.on('error', () => {});
    pools.push(admin);
    const name = new URL(url).pathname.slice(1);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    const refused = await writer
      .run('visitorMessage', { visitorId: visitor.id, clientId: 'during', text: 'x', page: null, now: now() })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('internal');
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    const after = await writer.run('visitorMessage', { visitorId: visitor.id, clientId: 'after', text: 'back', page: null, now: now() });
    expect(after.message.seq).toBe(1);
  });
});

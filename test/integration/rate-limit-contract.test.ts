import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../shared/errors';
import { memoryRateLimits, type RateLimit, type RateLimits } from '../../server/platform/rate-limiter';
import { LIMIT_KEY_PREFIX, redisRateLimits } from '../../server/platform/redis-rate-limits';
import { openRedis, type RedisConnection } from '../../server/platform/redis';
import { startRedis, type TestRedis } from '../helpers/redis';
import { TestClock } from '../helpers/test-app';

const silent = pino({ level: 'silent' });

/** One implementation under the contract: its limits, and how a test lets a window pass. */
interface Subject {
  limits: RateLimits;
  /** Short enough to wait out with Redis; the memory clock is moved instead. */
  windowMs: number;
  /** Resolves once `key`'s window is over: the clock moved, or Redis's own expiry observed. */
  passWindow(limit: RateLimit, key: string): Promise<void>;
}

let redis: TestRedis;
let connection: RedisConnection;
let names = 0;
/** A fresh limit name per test: Redis outlives a test, and two tests must not share counts. */
const fresh = () => `test-${++names}`;

beforeAll(async () => {
  redis = await startRedis();
  connection = await openRedis(redis.url, silent, { readyWithinMs: 5_000, commandTimeoutMs: 500 });
});

afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

/** Polls until `condition` holds: waits for a state, never for a fixed time. */
async function until(condition: () => Promise<boolean>, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const subjects: Record<string, () => Subject> = {
  memory: () => {
    const clock = new TestClock();
    return {
      limits: memoryRateLimits(clock),
      windowMs: 60_000,
      passWindow: async () => clock.advance(60_000),
    };
  },
  redis: () => ({
    limits: redisRateLimits(connection.client, 'test secret'),
    // Long enough that a few hits in a row land in one window even on a machine so loaded that the test
    // process stalls for seconds (at 400 ms, and once at 2 s, a third hit started a new one), short
    // enough to wait out.
    windowMs: 5_000,
    passWindow: (limit, key) => until(async () => (await limit.retryAfterMs(key)) === 0, 15_000),
  }),
};

describe.each(Object.keys(subjects))('the %s rate limit', (kind) => {
  let s: Subject;
  beforeAll(() => {
    s = subjects[kind]();
  });

  test('allows `limit` hits in a window and refuses the next, counting each key on its own', async () => {
    const limit = s.limits({ name: fresh(), limit: 3, windowMs: 60_000 });
    expect(await limit.allowed('a')).toBe(true);
    for (let i = 0; i < 3; i++) expect(await limit.hit('a')).toBe(true);
    expect(await limit.allowed('a')).toBe(false);
    expect(await limit.hit('a')).toBe(false);
    // Another key, and the same key under another limit's name, start from zero.
    expect(await limit.hit('b')).toBe(true);
    const other = s.limits({ name: fresh(), limit: 3, windowMs: 60_000 });
    expect(await other.allowed('a')).toBe(true);
  });

  test('tells how long until the window ends, and nothing for a key without hits', async () => {
    const limit = s.limits({ name: fresh(), limit: 1, windowMs: 60_000 });
    expect(await limit.retryAfterMs('a')).toBe(0);
    await limit.hit('a');
    const wait = await limit.retryAfterMs('a');
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
  });

  test('a key counts from zero again once its window is over', async () => {
    const limit = s.limits({ name: fresh(), limit: 2, windowMs: s.windowMs });
    await limit.hit('a');
    await limit.hit('a');
    expect(await limit.hit('a')).toBe(false);
    await s.passWindow(limit, 'a');
    expect(await limit.allowed('a')).toBe(true);
    expect(await limit.hit('a')).toBe(true);
    expect(await limit.hit('a')).toBe(true);
    expect(await limit.hit('a')).toBe(false);
  });

  test('a hit over the limit does not lengthen the window (fixed windows)', async () => {
    const limit = s.limits({ name: fresh(), limit: 1, windowMs: 60_000 });
    await limit.hit('a');
    const first = await limit.retryAfterMs('a');
    await limit.hit('a');
    await limit.hit('a');
    expect(await limit.retryAfterMs('a')).toBeLessThanOrEqual(first);
  });

  test('reset forgets a key, and only that key', async () => {
    const limit = s.limits({ name: fresh(), limit: 1, windowMs: 60_000 });
    await limit.hit('a');
    await limit.hit('b');
    await limit.reset('a');
    expect(await limit.allowed('a')).toBe(true);
    expect(await limit.retryAfterMs('a')).toBe(0);
    expect(await limit.allowed('b')).toBe(false);
  });

  test('undo takes back one hit, never going below zero', async () => {
    const limit = s.limits({ name: fresh(), limit: 2, windowMs: 60_000 });
    await limit.hit('a');
    await limit.hit('a');
    expect(await limit.allowed('a')).toBe(false);
    await limit.undo('a');
    expect(await limit.allowed('a')).toBe(true);
    expect(await limit.hit('a')).toBe(true);
    expect(await limit.hit('a')).toBe(false);
    // On a key with nothing counted, undo leaves nothing to spend: the limit is still `limit`.
    await limit.undo('fresh');
    await limit.undo('fresh');
    expect(await limit.hit('fresh')).toBe(true);
    expect(await limit.hit('fresh')).toBe(true);
    expect(await limit.hit('fresh')).toBe(false);
  });

  test('hits arriving at once are each counted: exactly `limit` of 40 get through', async () => {
    const limit = s.limits({ name: fresh(), limit: 10, windowMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 40 }, () => limit.hit('a')));
    expect(results.filter(Boolean)).toHaveLength(10);
  });
});

describe('the Redis rate limit', () => {
  test('two clients (two nodes) count into one total', async () => {
    const second = await openRedis(redis.url, silent);
    try {
      const name = fresh();
      const nodeA = redisRateLimits(connection.client, 'shared')({ name, limit: 4, windowMs: 60_000 });
      const nodeB = redisRateLimits(second.client, 'shared')({ name, limit: 4, windowMs: 60_000 });
      const results = await Promise.all([nodeA.hit('k'), nodeB.hit('k'), nodeA.hit('k'), nodeB.hit('k'), nodeA.hit('k'), nodeB.hit('k')]);
      expect(results.filter(Boolean)).toHaveLength(4);
      expect(await nodeA.allowed('k')).toBe(false);
      expect(await nodeB.allowed('k')).toBe(false);
      await nodeB.reset('k');
      expect(await nodeA.allowed('k')).toBe(true);
    } finally {
      await second.close();
    }
  });

  test('stores no key in clear: e-mails and addresses become an HMAC, and every key expires', async () => {
    const name = fresh();
    const limit = redisRateLimits(connection.client, 'test secret')({ name, limit: 5, windowMs: 60_000 });
    await limit.hit('alice@example.test');
    await limit.hit('198.51.100.7');
    const keys = await connection.client.keys(`${LIMIT_KEY_PREFIX}${name}:*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${LIMIT_KEY_PREFIX}${name}:[A-Za-z0-9_-]{43}$`));
      expect(key).not.toMatch(/alice|example|198\.51/);
      expect(await connection.client.get(key)).toBe('1');
      expect(await connection.client.pttl(key)).toBeGreaterThan(0);
    }
    // Another secret gives other keys: the hash is keyed, not a bare digest anyone could recompute.
    await redisRateLimits(connection.client, 'another secret')({ name, limit: 5, windowMs: 60_000 }).hit('alice@example.test');
    expect(await connection.client.keys(`${LIMIT_KEY_PREFIX}${name}:*`)).toHaveLength(3);
  });

  test('while Redis is down every call is refused with a clear error within the command timeout, and works again once it is back', async () => {
    const limit = redisRateLimits(connection.client, 'test secret')({ name: fresh(), limit: 5, windowMs: 60_000 });
    expect(await limit.hit('a')).toBe(true);
    await redis.stop();
    try {
      for (const call of [() => limit.hit('a'), () => limit.allowed('a'), () => limit.retryAfterMs('a'), () => limit.reset('a')]) {
        const started = Date.now();
        const error = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('internal');
        expect((error as AppError).message).toMatch(/try again shortly/);
        // The 500 ms command timeout, with room for a loaded machine; never a hang.
        expect(Date.now() - started).toBeLessThan(3_000);
      }
    } finally {
      await redis.restart();
    }
    // Reconnected by itself. The restarted Redis saved nothing (--save ''): the count starts again.
    await until(() =>
      limit.hit('a').then(
        () => true,
        () => false,
      ),
    );
    expect(await limit.allowed('a')).toBe(true);
  });
});

describe('openRedis', () => {
  test('a Redis that does not answer fails within the bound, naming host:port and never the password', async () => {
    const gone = await startRedis();
    const port = gone.port;
    await gone.stop();
    const started = Date.now();
    const error = await openRedis(`redis://:hunter2-secret@127.0.0.1:${port}/0`, silent, { readyWithinMs: 700 }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(new RegExp(`Redis at 127\\.0\\.0\\.1:${port} did not answer within 0\\.7 s`));
    expect(error?.message).toMatch(/REDIS_URL/);
    expect(error?.message).not.toMatch(/hunter2/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('the helper says what to install when redis-server is missing', async () => {
    await expect(startRedis({ bin: '/nonexistent/redis-server' })).rejects.toThrow(
      'apt-get install -y --no-install-recommends redis-server',
    );
  });
});

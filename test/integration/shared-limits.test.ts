import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db/open';
import { REDIS_CONNECTION_NAME } from '../../server/platform/redis';
import { LIMIT_KEY_PREFIX } from '../../server/platform/redis-rate-limits';
import { MAX_SENDS_PER_IP_PER_HOUR } from '../../server/privacy/verification-service';
import { VisitorEvent } from '../../shared/protocol';
import { CLUSTER_SECRETS, clusterEnv, startRedis, type TestRedis } from '../helpers/redis';
import { errorCode, socketTracker } from '../helpers/sockets';
import { ADMIN, call, ok, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

let redis: TestRedis;
/** The test's own look into Redis (what the nodes stored), apart from the nodes' connections. */
let look: Redis;
const apps: TestApp[] = [];
const sockets = socketTracker();

beforeAll(async () => {
  redis = await startRedis();
  look = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await look.connect();
});

afterEach(async () => {
  sockets.closeAll();
  await Promise.all(apps.splice(0).map((app) => app.close()));
  // Each test starts from no counts at all.
  if (look.status === 'ready') await look.flushall();
});

afterAll(async () => {
  look?.disconnect();
  await redis?.stop();
});

/** Two nodes, each with its own SQLite file and the same first admin; sharing Redis unless `shared` is false. */
async function twoNodes(shared = true): Promise<[TestApp, TestApp]> {
  const env: Record<string, string> = shared ? clusterEnv(redis.url) : {};
  const nodes = await Promise.all([startTestApp({ env }), startTestApp({ env })]);
  apps.push(...nodes);
  return nodes;
}

async function loginStatus(node: TestApp, password: string): Promise<{ status: number; code: string | null; message: string }> {
  const res = await fetch(`${node.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN.email, password }),
  });
  const body = (await res.json()) as { ok: boolean; error?: { code: string; message: string } };
  return { status: res.status, code: body.error?.code ?? null, message: body.error?.message ?? '' };
}

describe('sign-in lockout with REDIS_URL', () => {
  test('wrong passwords split between node A and node B lock the account on both', async () => {
    const [a, b] = await twoNodes();
    for (let i = 0; i < 3; i++) expect((await loginStatus(a, 'wrong password')).code).toBe('unauthorized');
    for (let i = 0; i < 2; i++) expect((await loginStatus(b, 'wrong password')).code).toBe('unauthorized');
    // Five failures in all: the right password is refused on either node.
    expect(await loginStatus(a, ADMIN.password)).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(await loginStatus(b, ADMIN.password)).toMatchObject({ status: 429, code: 'rate_limited' });
    // Counted in Redis under hashed keys, not the address.
    const keys = await look.keys(`${LIMIT_KEY_PREFIX}*`);
    expect(keys.some((k) => k.startsWith(`${LIMIT_KEY_PREFIX}signin-account:`))).toBe(true);
    expect(keys.join(' ')).not.toContain(ADMIN.email);
  });

  test('without REDIS_URL each process counts its own failures, as before', async () => {
    const [a, b] = await twoNodes(false);
    for (let i = 0; i < 3; i++) expect((await loginStatus(a, 'wrong password')).code).toBe('unauthorized');
    for (let i = 0; i < 2; i++) expect((await loginStatus(b, 'wrong password')).code).toBe('unauthorized');
    for (let i = 0; i < 2; i++) expect((await loginStatus(a, 'wrong password')).code).toBe('unauthorized');
    // A has seen five and is locked; B has seen two and lets the right password in.
    expect((await loginStatus(a, ADMIN.password)).code).toBe('rate_limited');
    expect((await loginStatus(b, ADMIN.password)).status).toBe(200);
    expect(await look.keys(`${LIMIT_KEY_PREFIX}*`)).toEqual([]);
  });

  test('while Redis is away a sign-in is refused with a clear answer, not a hang; once it is back sign-in works', async () => {
    const [a] = await twoNodes();
    expect((await loginStatus(a, ADMIN.password)).status).toBe(200);
    look.disconnect();
    await redis.stop();
    try {
      const started = Date.now();
      const refused = await loginStatus(a, ADMIN.password);
      expect(refused).toMatchObject({ status: 500, code: 'internal' });
      expect(refused.message).toMatch(/not available for a moment.*try again shortly/);
      // Bounded by the client's command timeout (2 s), with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await redis.restart();
      await look.connect();
    }
    // The node reconnects by itself.
    for (const deadline = Date.now() + 10_000; (await loginStatus(a, ADMIN.password)).status !== 200; ) {
      if (Date.now() > deadline) throw new Error('sign-in did not work again after Redis came back');
    }
  });

  test('a node that closes leaves no connection to Redis behind', async () => {
    const ours = async () =>
      String(await look.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${REDIS_CONNECTION_NAME} `)).length;
    const [a, b] = await twoNodes();
    // At least one each (the limits'; presence and the Socket.IO adapter open their own).
    expect(await ours()).toBeGreaterThanOrEqual(2);
    apps.splice(0);
    await a.close();
    await b.close();
    // Redis drops a closed connection from its list when it reads the close: wait for that state.
    const deadline = Date.now() + 10_000;
    while ((await ours()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ours()).toBe(0);
  });
});

describe('verification code sends per network with REDIS_URL', () => {
  test(`one network gets ${MAX_SENDS_PER_IP_PER_HOUR} code sends an hour across both nodes, not ${MAX_SENDS_PER_IP_PER_HOUR} on each`, async () => {
    const [a, b] = await twoNodes();
    const visitorOn = async (node: TestApp) => {
      const socket = sockets.track(visitorClient(node.url));
      await ok(socket, VisitorEvent.hello, {});
      return socket;
    };
    const onA = await visitorOn(a);
    const onB = await visitorOn(b);
    for (let i = 1; i <= MAX_SENDS_PER_IP_PER_HOUR; i++) {
      const socket = i % 2 ? onA : onB;
      expect((await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: `person${i}@example.test` })).status).toBe('code_sent');
    }
    expect(errorCode(await call(onA, VisitorEvent.privacyStart, { type: 'access', email: 'one-more@example.test' }))).toBe('rate_limited');
    expect(errorCode(await call(onB, VisitorEvent.privacyStart, { type: 'access', email: 'one-more@example.test' }))).toBe('rate_limited');
    // The refused tries sent nothing and were taken back: the count is the sends that happened.
    const [key] = await look.keys(`${LIMIT_KEY_PREFIX}verification-network:*`);
    expect(await look.get(key)).toBe(String(MAX_SENDS_PER_IP_PER_HOUR));
  });
});

describe('REDIS_URL at start', () => {
  test('is checked by the configuration: only redis:// and rediss:// URLs', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ ...CLUSTER_SECRETS, REDIS_URL: 'redis://:pw@cache.internal:6380/2' }).redisUrl).toBe(
      'redis://:pw@cache.internal:6380/2',
    );
    expect(loadConfig({ ...CLUSTER_SECRETS, REDIS_URL: 'rediss://cache.internal' }).redisUrl).toBe('rediss://cache.internal');
    for (const bad of ['http://cache.internal:6379', 'cache.internal:6379', 'redis://', 'not a url :pw@x']) {
      expect(() => loadConfig({ ...CLUSTER_SECRETS, REDIS_URL: bad })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    }
    // The refusal never echoes the value: it may carry a password.
    expect(() => loadConfig({ ...CLUSTER_SECRETS, REDIS_URL: 'http://:hunter2@cache' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  test('a Redis that does not answer fails the start with a message naming host:port, not the password', async () => {
    const gone = await startRedis();
    const port = gone.port;
    await gone.stop();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-redis-start-'));
    const config = loadConfig({
      PORT: '0',
      DATABASE_PATH: path.join(dir, 'chat.db'),
      LOG_LEVEL: 'silent',
      ...CLUSTER_SECRETS,
      REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
    });
    const db = openDatabase(config.databasePath);
    try {
      const error = await startApp({ config, db, port: 0, host: '127.0.0.1' }).then(
        (app) => app.close().then(() => null),
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(new RegExp(`REDIS_URL: Redis at 127\\.0\\.0\\.1:${port} did not answer within 10 s`));
      expect(error?.message).not.toContain('hunter2');
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

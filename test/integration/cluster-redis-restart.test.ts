import Redis from 'ioredis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PRESENCE_TTL_MS } from '../../server/console/cluster-presence';
import { REDIS_CONNECTION_NAME } from '../../server/platform/redis';
import { OperatorPush, VisitorEvent, VisitorPush, type OperatorMessagePush } from '../../shared/protocol';
import { newClientId, waitFor } from '../helpers/durable-clients';
import { clusterEnv, startRedis, type TestRedis } from '../helpers/redis';
import { signedInOperator, socketTracker } from '../helpers/sockets';
import { ADMIN, call, next, ok, startTestApp, visitorClient, type TestApp, type VisitorClient } from '../helpers/test-app';

/**
 * Two nodes on one Redis that goes away: restarted empty (nothing saved), or stopped for good. Each node
 * has its own SQLite file with the same first admin (id 1), so what crosses nodes is only what goes
 * through Redis. A Redis of its own per test: a restart here never reaches another test's nodes.
 */
let redis: TestRedis;
const apps: TestApp[] = [];
const sockets = socketTracker();

beforeEach(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  sockets.closeAll();
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await redis.stop();
});

/** A node of the cluster: REDIS_URL with the secrets every node shares; messages unthrottled (the stream is a test's, not a visitor's). */
async function node(): Promise<TestApp> {
  const app = await startTestApp({
    env: { ...clusterEnv(redis.url), VISITOR_MESSAGE_LIMITS: '1000,10000' },
  });
  apps.push(app);
  return app;
}

async function visitorOn(app: TestApp): Promise<{ v: VisitorClient; operatorsOnline: boolean }> {
  const v = sockets.track(visitorClient(app.url));
  const hello = await ok(v, VisitorEvent.hello, { lang: 'en' });
  return { v, operatorsOnline: hello.operatorsOnline };
}

async function loginStatus(app: TestApp): Promise<number> {
  const res = await fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
  await res.body?.cancel();
  return res.status;
}

/** Signs in on `app` until it works: once the node's client is connected again. */
async function signInWorks(app: TestApp, withinMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + withinMs; (await loginStatus(app)) !== 200; ) {
    if (Date.now() > deadline) throw new Error(`sign-in on ${app.url} did not work again within ${withinMs} ms`);
  }
}

describe('Redis restarted mid-stream', () => {
  test('every message acknowledged to a visitor on node A reaches a console on node B once, in order, across the restart', async () => {
    const [a, b] = [await node(), await node()];
    const onB = await signedInOperator(b.url, sockets);
    const arrivals: { clientId: string; seq: number }[] = [];
    onB.on(OperatorPush.messages, (pushes: OperatorMessagePush[]) => {
      for (const { message } of pushes) arrivals.push({ clientId: message.clientId, seq: message.seq });
    });
    const { v } = await visitorOn(a);

    const acked: { clientId: string; seq: number }[] = [];
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const clientId = newClientId();
        const ack = await call(v, VisitorEvent.messageSend, { clientId, text: `message ${acked.length + 1}` });
        if (ack.ok) acked.push({ clientId, seq: ack.data.message.seq });
      }
    };
    // Before: pushes cross through the stream as usual.
    await send(20);
    // Redis goes away: messages are still stored and acknowledged on A, their pushes wait for Redis.
    await redis.stop();
    await send(10);
    // Long enough for both nodes' clients to have given up a command: a sign-in is refused on each.
    expect(await loginStatus(a)).toBe(500);
    expect(await loginStatus(b)).toBe(500);
    await send(10);
    // Back, empty, while the visitor goes on sending.
    const restarted = redis.restart();
    await send(20);
    await restarted;
    const lastAckAt = Date.now();
    expect(acked).toHaveLength(60);

    const arrived = () => new Set(arrivals.map((x) => x.clientId));
    await waitFor(() => acked.every((x) => arrived().has(x.clientId)), 'every acknowledged message on the console on B', 15_000);
    expect(Date.now() - lastAckAt).toBeLessThan(15_000);
    // A later message arriving means everything before it has been delivered: any duplicate is in by now.
    const last = newClientId();
    const lastArrived = next<OperatorMessagePush[]>(onB, OperatorPush.messages, (p) => p.some((x) => x.message.clientId === last));
    expect((await call(v, VisitorEvent.messageSend, { clientId: last, text: 'after' })).ok).toBe(true);
    await lastArrived;
    const ours = arrivals.filter((x) => x.clientId !== last);
    // Exactly once each, and in the order of their sequence numbers.
    expect(ours.map((x) => x.clientId)).toEqual(acked.map((x) => x.clientId));
    expect(ours.map((x) => x.seq)).toEqual(acked.map((x) => x.seq));
  });
});

describe('presence across a Redis restart', () => {
  test('an operator connected to node A is shown online to a visitor on node B before the restart and again after it', async () => {
    // B first: its heartbeat runs a little ahead of A's, so after the restart B reads before A has
    // written its key again (started the other way round, A's key would be back in time by luck of the phase).
    const b = await node();
    const a = await node();
    const { v } = await visitorOn(b);
    const shown: boolean[] = [];
    v.on(VisitorPush.presence, ({ operatorsOnline }) => shown.push(operatorsOnline));
    const online = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => p.operatorsOnline);
    await signedInOperator(a.url, sockets);
    await online;
    shown.length = 0;

    await redis.restart();
    // Both nodes write their keys again (a heartbeat, or at once on reconnecting): a new visitor on B is
    // told the team is online from B's own reading of the new Redis, within the key's lifetime.
    const look = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      for (const deadline = Date.now() + PRESENCE_TTL_MS; (await look.keys('cw:presence:node:*')).length < 2; ) {
        if (Date.now() > deadline) throw new Error('the nodes did not write their presence keys again');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      look.disconnect();
    }
    await waitFor(() => shown.at(-1) !== false, 'the visitor on B told the team is online', PRESENCE_TTL_MS);
    const { operatorsOnline } = await visitorOn(b);
    expect(operatorsOnline).toBe(true);
    // Nothing changed for this visitor: the restart of Redis is not shown as the team going offline.
    console.log('SHOWN', JSON.stringify(shown));
    expect(shown).not.toContain(false);
  });

  test('an operator who leaves node A while Redis is down is offline on node B once Redis is back', async () => {
    const [a, b] = [await node(), await node()];
    const { v } = await visitorOn(b);
    const { v: onA } = await visitorOn(a);
    const online = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => p.operatorsOnline);
    const console = await signedInOperator(a.url, sockets);
    await online;

    await redis.stop();
    // A knows at once (its own sockets): its visitor is told. B cannot know until Redis is back.
    const goneOnA = next<{ operatorsOnline: boolean }>(onA, VisitorPush.presence, (p) => !p.operatorsOnline);
    console.close();
    await goneOnA;
    const offline = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => !p.operatorsOnline, PRESENCE_TTL_MS * 2);
    await redis.restart();
    const backAt = Date.now();
    await offline;
    expect(Date.now() - backAt).toBeLessThan(PRESENCE_TTL_MS);
    expect((await visitorOn(b)).operatorsOnline).toBe(false);
  });
});

describe('limits across a Redis restart', () => {
  test('a sign-in succeeds on both nodes once Redis is back', async () => {
    const [a, b] = [await node(), await node()];
    expect(await loginStatus(a)).toBe(200);
    await redis.restart();
    await signInWorks(a);
    await signInWorks(b);
  });
});

describe('Redis stopped for good', () => {
  test('a node still closes within its deadline, and leaves no connection that would come back', async () => {
    const [a] = [await node()];
    await signedInOperator(a.url, sockets);
    const { v } = await visitorOn(a);
    await redis.stop();
    // A push waiting for Redis when the node stops (the adapter's connection queues it).
    expect((await call(v, VisitorEvent.messageSend, { clientId: newClientId(), text: 'while Redis is away' })).ok).toBe(true);
    apps.splice(0);
    const started = Date.now();
    await a.close();
    const took = Date.now() - started;
    // Well within close()'s 4 s: a quit that waits for a Redis that is gone must not take the whole of it.
    expect(took).toBeLessThan(2_500);

    // A client left reconnecting would be back within its retry delay (1 s at most) once Redis is.
    await redis.restart();
    const look = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const ours = async () =>
        String(await look.client('LIST'))
          .split('\n')
          .filter((line) => line.includes(` name=${REDIS_CONNECTION_NAME} `)).length;
      // No event marks the absence of a connection: watch for three retry delays.
      for (const until = Date.now() + 3_000; Date.now() < until; ) {
        expect(await ours()).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      look.disconnect();
    }
  });
});

import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { PRESENCE_TTL_MS } from '../../server/console/cluster-presence';
import { OperatorPush, VisitorEvent, VisitorPush, type OperatorMessagePush } from '../../shared/protocol';
import type { TeamMemberDto } from '../../shared/types';
import { cleanupStack } from '../helpers/cleanup';
import { clusterEnv, startRedis, type TestRedis } from '../helpers/redis';
import { startServerProcess } from '../helpers/server-process';
import { newClientId } from '../helpers/durable-clients';
import { signedInOperator, socketTracker, unwrap } from '../helpers/sockets';
import { ADMIN, call, next, ok, signIn, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

/**
 * Two or more nodes sharing one Redis: operators' presence and Socket.IO rooms span the nodes. Each node
 * here has its own SQLite file holding the same first admin (id 1), so what is shared is only what goes
 * through Redis; the shared database of a real cluster is PostgreSQL's part.
 */
let redis: TestRedis;
let look: Redis;
const apps: TestApp[] = [];
const sockets = socketTracker();
const cleanup = cleanupStack('cw-cluster-');

beforeAll(async () => {
  redis = await startRedis();
  look = new Redis(redis.url, { maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  sockets.closeAll();
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await cleanup.runAll();
  await look.flushall();
});

afterAll(async () => {
  look?.disconnect();
  await redis?.stop();
});

async function node(): Promise<TestApp> {
  const app = await startTestApp({ env: clusterEnv(redis.url) });
  apps.push(app);
  return app;
}

async function visitorOn(app: { url: string }) {
  const v = sockets.track(visitorClient(app.url));
  const hello = await ok(v, VisitorEvent.hello, { lang: 'en' });
  return { v, operatorsOnline: hello.operatorsOnline };
}

describe('presence across nodes', () => {
  test('a visitor on node B sees the team online while its only operator is connected to node A, and offline once they leave', async () => {
    const [a, b] = [await node(), await node()];
    const { v, operatorsOnline } = await visitorOn(b);
    expect(operatorsOnline).toBe(false);

    const online = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => p.operatorsOnline);
    const console = await signedInOperator(a.url, sockets);
    await online;
    // A new visitor on B is told so in its hello, from B's own reading of the cluster.
    expect((await visitorOn(b)).operatorsOnline).toBe(true);
    // Stored in Redis: ids only, under this node's key.
    const keys = await look.keys('cw:presence:node:*');
    const values = await Promise.all(keys.map((k) => look.get(k)));
    expect(values).toContain('[1]');
    expect(values.join(' ')).not.toContain(ADMIN.email);

    const offline = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => !p.operatorsOnline);
    console.close();
    await offline;
    expect((await visitorOn(b)).operatorsOnline).toBe(false);
  });

  test('a console on node B lists an operator connected to node A only as online, and offline once they leave', async () => {
    const [a, b] = [await node(), await node()];
    // On B, a console of a second account that exists on both nodes with the same id.
    const agent = { email: 'agent@example.test', name: 'Agent', password: 'another horse battery staple' };
    for (const app of [a, b]) await app.app.services.team.create({ ...agent, role: 'operator' });
    const onB = await signedInOperator(b.url, sockets, await signIn(b.url, agent.email, agent.password));
    const adminOnline = next<TeamMemberDto[]>(onB, OperatorPush.team, (team) => presence(team, 1) === 'online');
    const onA = await signedInOperator(a.url, sockets);
    await adminOnline;

    const adminOffline = next<TeamMemberDto[]>(onB, OperatorPush.team, (team) => presence(team, 1) === 'offline');
    onA.close();
    await adminOffline;
    // (Away is stored in the database, which these nodes do not share: that part is PostgreSQL's.)
  });

  test('operators of a node that is killed go offline on the other nodes within the key lifetime', async () => {
    const dir = cleanup.tempDir();
    const env = { ...clusterEnv(redis.url), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
    const a = cleanup.track(await startServerProcess({ databasePath: path.join(dir, 'chat.db'), env }));
    const b = await node();
    const { v } = await visitorOn(b);
    const online = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => p.operatorsOnline);
    await signedInOperator(a.url, sockets);
    await online;

    // No clean stop: the node's key is left to expire, and B's heartbeat notices.
    const offline = next<{ operatorsOnline: boolean }>(v, VisitorPush.presence, (p) => !p.operatorsOnline, PRESENCE_TTL_MS * 3);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    await offline;
    // Within the key's lifetime and one heartbeat (a third of it), with room for a busy machine.
    expect(Date.now() - killedAt).toBeLessThan(PRESENCE_TTL_MS * 2);
    // The dead node's key is gone, and so is its place in the node list.
    expect(await look.zcard('cw:presence:nodes')).toBe(1);
  });
});

describe('Socket.IO rooms across nodes', () => {
  test("a visitor's message on node A reaches a console on node B, once, and a console on A, once", async () => {
    const [a, b] = [await node(), await node()];
    const onA = await signedInOperator(a.url, sockets);
    const onB = await signedInOperator(b.url, sockets);
    const seen = { a: 0, b: 0 };
    const clientId = newClientId();
    const count = (key: 'a' | 'b') => (pushes: OperatorMessagePush[]) => {
      seen[key] += pushes.filter((p) => p.message.clientId === clientId).length;
    };
    onA.on(OperatorPush.messages, count('a'));
    onB.on(OperatorPush.messages, count('b'));
    const arrivedOnB = next<OperatorMessagePush[]>(onB, OperatorPush.messages, (pushes) =>
      pushes.some((p) => p.message.clientId === clientId),
    );

    const { v } = await visitorOn(a);
    const { message } = unwrap(await call(v, VisitorEvent.messageSend, { clientId, text: 'Hello from node A' }));
    const pushed = (await arrivedOnB).find((p) => p.message.clientId === clientId)!;
    expect(pushed.message).toEqual(message);
    // A later message from the same visitor arriving on both consoles means the first one's frames have
    // all been delivered: neither console got the first one twice.
    const later = newClientId();
    const laterOn = (socket: typeof onA) =>
      next<OperatorMessagePush[]>(socket, OperatorPush.messages, (pushes) => pushes.some((p) => p.message.clientId === later));
    const laterArrived = Promise.all([laterOn(onA), laterOn(onB)]);
    unwrap(await call(v, VisitorEvent.messageSend, { clientId: later, text: 'And again' }));
    await laterArrived;
    expect(seen).toEqual({ a: 1, b: 1 });
  });
});

function presence(team: TeamMemberDto[], id: number): string | undefined {
  return team.find((m) => m.id === id)?.presence;
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent, OperatorPush, VisitorEvent, VisitorPush, type OperatorMessagePush } from '../../shared/protocol';
import type { MessageDto } from '../../shared/types';
import { cleanupStack } from '../helpers/cleanup';
import { newClientId, RetryingVisitor, waitFor } from '../helpers/durable-clients';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { clusterEnv, startRedis, type TestRedis } from '../helpers/redis';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { signedInOperator, socketTracker, unwrap } from '../helpers/sockets';
import { TestSmtp } from '../helpers/smtp';
import { TcpBalancer } from '../helpers/tcp-balancer';
import { ADMIN, call, next, ok, visitorClient } from '../helpers/test-app';

/**
 * Several built server nodes on one PostgreSQL and one Redis, as the cluster profile runs (DATABASE_URL,
 * REDIS_URL): what a person on one node does reaches a person on another, live, and a node killed in the
 * middle of a stream loses nothing its clients were told was stored.
 */
let postgres: TestPostgres;
let redis: TestRedis;
const cleanup = cleanupStack('cw-cluster-pg-');
const sockets = socketTracker();

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
});
afterEach(async () => {
  sockets.closeAll();
  await cleanup.runAll();
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

/** A fresh database, and `count` nodes on it (started one after the other), each with a directory of its own. */
async function cluster(count: number, extra: Record<string, string> = {}): Promise<{ nodes: ServerProcess[]; databaseUrl: string }> {
  const databaseUrl = await postgres.createDatabase();
  const nodes: ServerProcess[] = [];
  for (let i = 0; i < count; i++) nodes.push(await addNode(databaseUrl, extra));
  return { nodes, databaseUrl };
}

/** One more node on the cluster's database, Redis and secrets. */
async function addNode(databaseUrl: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const env = {
    ...extra,
    ...clusterEnv(redis.url),
    DATABASE_URL: databaseUrl,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // The visitors here write faster than people; the spam limits are not what these tests are about.
    VISITOR_MESSAGE_LIMITS: '1000,10000',
  };
  return cleanup.track(await startServerProcess({ databasePath: path.join(cleanup.tempDir(), 'chat.db'), env }));
}

async function storedMessages(databaseUrl: string): Promise<Array<{ conversationId: string; clientId: string; seq: number }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ conversationId: string; clientId: string; seq: number }>(
      `SELECT c.public_id AS "conversationId", m.client_id AS "clientId", m.seq::integer AS seq
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.author = 'visitor' ORDER BY c.public_id, m.seq`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('a cluster on PostgreSQL and Redis', () => {
  test('a visitor on node A and an operator on node B chat both ways, live', async () => {
    const { nodes } = await cluster(2);
    const [a, b] = nodes;
    const operator = await signedInOperator(b.url, sockets);
    const visitor = sockets.track(visitorClient(a.url));
    await ok(visitor, VisitorEvent.hello, { lang: 'en' });

    const clientId = newClientId();
    const arrived = next<OperatorMessagePush[]>(operator, OperatorPush.messages, (pushes) =>
      pushes.some((p) => p.message.clientId === clientId),
    );
    const { message } = unwrap(await call(visitor, VisitorEvent.messageSend, { clientId, text: 'Hello from node A' }));
    const pushed = (await arrived).find((p) => p.message.clientId === clientId)!;
    expect(pushed.message).toEqual(message);

    const replyId = newClientId();
    const answered = next<MessageDto>(visitor, VisitorPush.messageNew, (m) => m.clientId === replyId);
    await ok(operator, OperatorEvent.messageSend, { conversationId: message.conversationId, clientId: replyId, text: 'Hi! Node B here.' });
    expect((await answered).text).toBe('Hi! Node B here.');
    // Both nodes read the same conversation: opened on A, it is on B's list, with the reply.
    const { messages } = await ok(operator, OperatorEvent.conversationOpen, { conversationId: message.conversationId });
    expect(messages.map((m) => m.text)).toEqual(['Hello from node A', 'Hi! Node B here.']);
  });

  test('20 visitors stream 1,000 messages through a balancer while a node is killed: every message stored once, in order', async () => {
    const { nodes, databaseUrl } = await cluster(3);
    const balancer = await new TcpBalancer(nodes.map((n) => n.port)).start();
    cleanup.push(() => balancer.stop());
    const clients = Array.from({ length: 20 }, () => new RetryingVisitor(balancer.url));
    cleanup.push(() => {
      for (const c of clients) c.close();
    });
    const writing = clients.map(async (client, v) => {
      for (let i = 0; i < 50; i++) {
        client.send(`visitor ${v} message ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    const acked = () => clients.reduce((n, c) => n + c.acked.size, 0);
    await waitFor(() => acked() >= 250, '250 acknowledgements');
    nodes[1].child.kill('SIGKILL');
    expect(await nodes[1].exited).toBe('SIGKILL');
    await Promise.all(writing);
    await waitFor(() => clients.every((c) => c.unacknowledged === 0), 'every message acknowledged', 60_000);

    expect(clients.flatMap((c) => c.problems)).toEqual([]);
    const stored = await storedMessages(databaseUrl);
    expect(stored).toHaveLength(1000);
    expect(new Set(stored.map((r) => r.clientId)).size).toBe(1000);
    for (const client of clients) {
      const conversation = stored.filter((r) => r.conversationId === client.conversationId);
      expect(conversation.map((r) => r.clientId)).toEqual(client.sent);
      expect(conversation.map((r) => r.seq)).toEqual(client.sent.map((_, i) => i + 1));
    }
    // The killed node had clients: they came back through the balancer to the others.
    expect(balancer.handed.get(nodes[1].port) ?? 0).toBeGreaterThan(0);
  });

  test('each webhook delivery goes out once, from one of three nodes', async () => {
    const { nodes, databaseUrl } = await cluster(3);
    // A slow receiver: a node works through the due deliveries for seconds, while the others' timers fire.
    const received = new Map<string, number>();
    const hook = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['x-cw-delivery']);
        received.set(id, (received.get(id) ?? 0) + 1);
        setTimeout(() => res.writeHead(204).end(), 100);
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    cleanup.push(() => {
      hook.closeAllConnections();
      return new Promise<void>((resolve) => hook.close(() => resolve()));
    });
    const admin = await signedInOperator(nodes[0].url, sockets);
    const { webhook } = await ok(admin, OperatorEvent.webhookCreate, {
      url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
    });
    // Thirty deliveries due at once, as a burst of request events would leave them.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanup.push(() => db.end());
    await db.query(
      `INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, updated_at)
       SELECT $1, 'privacy_request.verified', '{"event":"privacy_request.verified"}', 'pending', 0, 0 FROM generate_series(1, 30)`,
      [webhook.id],
    );
    const delivered = async () =>
      Number((await db.query(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`)).rows[0].n);
    const deadline = Date.now() + 30_000;
    while ((await delivered()) < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await delivered()).toBe(30);
    expect(received.size).toBe(30);
    expect([...received.values()].filter((n) => n !== 1)).toEqual([]);
  });

  test('settings an admin saves on node A are in force on node B at once', async () => {
    const { nodes } = await cluster(2);
    const onA = await signedInOperator(nodes[0].url, sockets);
    const onB = await signedInOperator(nodes[1].url, sockets);
    expect((await ok(onB, OperatorEvent.settingsGet, {})).settings.maxOpenPerOperator).not.toBe(3);
    await ok(onA, OperatorEvent.settingsSave, { autoAssign: true, maxOpenPerOperator: 3 });
    // B read them again from the database when A announced the change: asked there, B answers with them.
    let onBNow = (await ok(onB, OperatorEvent.settingsGet, {})).settings;
    const deadline = Date.now() + 10_000;
    while (onBNow.maxOpenPerOperator !== 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      onBNow = (await ok(onB, OperatorEvent.settingsGet, {})).settings;
    }
    expect(onBNow).toMatchObject({ autoAssign: true, maxOpenPerOperator: 3 });
  });

  test('a reply to a visitor who left an address is mailed once, though two nodes hold a timer for it', async () => {
    const smtp = await new TestSmtp().start();
    cleanup.push(() => smtp.stop());
    const extra = { SMTP_URL: smtp.url, OFFLINE_REPLY_DELAY_SECONDS: '8' };
    const { nodes, databaseUrl } = await cluster(1, extra);
    const [b] = nodes;
    const visitor = sockets.track(visitorClient(b.url));
    await ok(visitor, VisitorEvent.hello, { lang: 'en' });
    const { message } = unwrap(await call(visitor, VisitorEvent.messageSend, { clientId: newClientId(), text: 'Anyone there?' }));
    await ok(visitor, VisitorEvent.contactLeave, { email: 'later@example.test' });
    visitor.close();
    // The reply's write on B starts the wait, and B times it.
    const operator = await signedInOperator(b.url, sockets);
    await ok(operator, OperatorEvent.messageSend, {
      conversationId: message.conversationId,
      clientId: newClientId(),
      text: 'Yes! It ships today.',
    });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanup.push(() => db.end());
    const due = Number((await db.query('SELECT due_at FROM offline_replies')).rows[0].due_at);
    // A node started now finds the stored wait and times it for the same moment: two timers, one mail.
    await addNode(databaseUrl, extra);
    expect(Date.now()).toBeLessThan(due);
    const waiting = async () => Number((await db.query('SELECT count(*) AS n FROM offline_replies')).rows[0].n);
    await waitFor(() => smtp.mailsTo('later@example.test').length > 0, 'the offline reply mailed', 30_000);
    const deadline = Date.now() + 15_000;
    while ((await waiting()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await waiting()).toBe(0);
    // Both timers have fired by now (the wait ended after the due time): still one mail.
    expect(Date.now()).toBeGreaterThan(due);
    expect(smtp.mailsTo('later@example.test')).toHaveLength(1);
  });
});

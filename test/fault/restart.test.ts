import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanupStack } from '../helpers/cleanup';
import { storedMessagesIn, type StoredMessage } from '../helpers/db-snapshot';
import { RetryingVisitor, waitFor } from '../helpers/durable-clients';
import Database from 'better-sqlite3';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { startServerProcess } from '../helpers/server-process';
import { TestSmtp } from '../helpers/smtp';
import { signedInOperator, socketTracker, unwrap } from '../helpers/sockets';
import { ADMIN, call, ok, visitorClient } from '../helpers/test-app';

const cleanup = cleanupStack('cw-fault-');
const { tempDir, track } = cleanup;

afterEach(cleanup.runAll);

/**
 * `visitors` clients write `perVisitor` messages each, one every few milliseconds, to a server child
 * process; once `stopAfter` are acknowledged the server gets `signal`, is started again on the same port
 * and database, and the clients carry on and retry. Returns what the clients saw and what was stored.
 */
async function streamThroughRestart(signal: 'SIGKILL' | 'SIGTERM', visitors: number, perVisitor: number, stopAfter: number) {
  const dir = tempDir();
  const databasePath = path.join(dir, 'chat.db');
  // Visitors here write far faster than a person; the spam limits are not what this test is about.
  const env = { VISITOR_MESSAGE_LIMITS: '1000,10000' };
  let server = track(await startServerProcess({ databasePath, env }));
  const clients = Array.from({ length: visitors }, () => new RetryingVisitor(server.url));
  cleanup.push(() => {
    for (const c of clients) c.close();
  });
  const disconnectReasons = new Set<string>();
  for (const c of clients) c.socket.on('disconnect', (reason) => disconnectReasons.add(reason));

  // Everyone keeps typing whether or not the server is up, as people do.
  const writing = clients.map(async (client, v) => {
    for (let i = 0; i < perVisitor; i++) {
      client.send(`visitor ${v} message ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  const acked = () => clients.reduce((n, c) => n + c.acked.size, 0);

  await waitFor(() => acked() >= stopAfter, `${stopAfter} acknowledgements`);
  server.child.kill(signal);
  const exit = await server.exited;
  const ackedBeforeStop = new Map(clients.flatMap((c) => [...c.acked].map(([id, m]) => [id, m.seq] as const)));

  server = track(await startServerProcess({ databasePath, env, port: server.port }));
  await Promise.all(writing);
  await waitFor(() => clients.every((c) => c.unacknowledged === 0), 'every message acknowledged', 60_000);
  server.child.kill('SIGTERM');
  const finalExit = await server.exited;
  return { clients, exit, finalExit, ackedBeforeStop, disconnectReasons, stored: storedMessagesIn(databasePath), output: server.output() };
}

function expectExactlyOnceInOrder(clients: RetryingVisitor[], stored: StoredMessage[], total: number): void {
  expect(clients.flatMap((c) => c.problems)).toEqual([]);
  // Every message written was stored, once.
  expect(stored).toHaveLength(total);
  expect(new Set(stored.map((r) => r.clientId)).size).toBe(total);
  for (const client of clients) {
    const conversation = stored.filter((r) => r.conversationId === client.conversationId);
    // Sequence order is the order the visitor wrote in, with no holes.
    expect(conversation.map((r) => r.clientId)).toEqual(client.sent);
    expect(conversation.map((r) => r.seq)).toEqual(client.sent.map((_, i) => i + 1));
    // Every acknowledgement names the row that holds the message.
    for (const [clientId, message] of client.acked) {
      expect(conversation.find((r) => r.clientId === clientId)?.seq).toBe(message.seq);
    }
  }
}

describe('surviving a server crash', () => {
  test('20 visitors stream 1,000 messages through a SIGKILL and a restart: every message is stored exactly once, in the order written', async () => {
    const run = await streamThroughRestart('SIGKILL', 20, 50, 250);
    expect(run.exit).toBe('SIGKILL');
    // Killed mid-stream: part was acknowledged before, the rest only after the restart.
    expect(run.ackedBeforeStop.size).toBeGreaterThanOrEqual(250);
    expect(run.ackedBeforeStop.size).toBeLessThan(1000);
    expectExactlyOnceInOrder(run.clients, run.stored, 1000);
    // Acknowledged before the crash means stored before the crash, under the same sequence.
    const seqById = new Map(run.stored.map((r) => [r.clientId, r.seq]));
    for (const [clientId, seq] of run.ackedBeforeStop) expect(seqById.get(clientId)).toBe(seq);
    expect(run.finalExit).toBe(0);
  });
});

describe('graceful shutdown', () => {
  test('on SIGTERM mid-stream the server commits what it acknowledged, exits cleanly, and clients reconnect and resend', async () => {
    const run = await streamThroughRestart('SIGTERM', 5, 40, 60);
    // 0 is the graceful path; the 5-second watchdog exits with 1.
    expect(run.exit).toBe(0);
    // Transports were closed, not a Socket.IO "server disconnect", which would tell clients to stay away.
    expect(run.disconnectReasons.has('io server disconnect')).toBe(false);
    expect(run.disconnectReasons.size).toBeGreaterThan(0);
    expectExactlyOnceInOrder(run.clients, run.stored, 200);
    expect(run.finalExit).toBe(0);
  });
});

describe('an offline reply through a crash', () => {
  test('a reply acknowledged to the operator just before the server is killed is mailed, once, by the restarted server', async () => {
    const dir = tempDir();
    const databasePath = path.join(dir, 'chat.db');
    const smtp = await new TestSmtp().start();
    cleanup.push(() => smtp.stop());
    const sockets = socketTracker();
    cleanup.push(() => sockets.closeAll());
    // Long enough that the kill surely comes inside the wait, short enough that the test does not idle.
    const env = { SMTP_URL: smtp.url, OFFLINE_REPLY_DELAY_SECONDS: '6', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
    let server = track(await startServerProcess({ databasePath, env }));

    const visitor = sockets.track(visitorClient(server.url));
    await ok(visitor, VisitorEvent.hello, { lang: 'en' });
    const { message } = unwrap(await call(visitor, VisitorEvent.messageSend, { clientId: 'offline-first-1', text: 'Anyone there?' }));
    await ok(visitor, VisitorEvent.contactLeave, { email: 'later@example.test' });
    visitor.close();
    const op = await signedInOperator(server.url, sockets);
    await ok(op, OperatorEvent.messageSend, {
      conversationId: message.conversationId,
      clientId: 'reply-crash-1',
      text: 'Yes! Your order ships today.',
    });
    // Killed the moment the reply is acknowledged: its wait was stored with it, not after it.
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    expect(smtp.mailsTo('later@example.test')).toHaveLength(0);

    const db = new Database(databasePath, { readonly: true });
    cleanup.push(() => db.close());
    expect(db.prepare('SELECT count(*) FROM offline_replies').pluck().get()).toBe(1);

    server = track(await startServerProcess({ databasePath, env, port: server.port }));
    const mail = await smtp.waitFor('later@example.test');
    expect(mail.body).toContain('Yes! Your order ships today.');
    await waitFor(() => db.prepare('SELECT count(*) FROM offline_replies').pluck().get() === 0, 'the wait ended');
    expect(smtp.mailsTo('later@example.test')).toHaveLength(1);
  });
});

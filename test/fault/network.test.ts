import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent } from '../../shared/protocol';
import { cleanupStack } from '../helpers/cleanup';
import { storedMessages, type StoredMessage } from '../helpers/db-snapshot';
import { CatchingUpOperator, RetryingVisitor, newClientId, waitFor } from '../helpers/durable-clients';
import { TcpProxy } from '../helpers/tcp-proxy';
import { connected, ok, operatorClient, signIn, startTestApp, type TestApp } from '../helpers/test-app';

const cleanup = cleanupStack();

afterEach(cleanup.runAll);

async function app(): Promise<TestApp> {
  // Clients here write faster than people; the spam limits are not what these tests are about.
  const t = await startTestApp({ env: { VISITOR_MESSAGE_LIMITS: '1000,10000' } });
  cleanup.push(() => t.close());
  return t;
}

function byConversation(rows: StoredMessage[]): Map<string, StoredMessage[]> {
  const map = new Map<string, StoredMessage[]>();
  for (const row of rows) map.set(row.conversationId, [...(map.get(row.conversationId) ?? []), row]);
  return map;
}

/** The operator's copy of every stored conversation, as (seq, clientId, text). */
function operatorView(operator: CatchingUpOperator, conversations: Map<string, StoredMessage[]>) {
  return new Map(
    [...conversations.keys()].map((id) => [
      id,
      (operator.messages.get(id) ?? []).map((m) => ({ conversationId: id, seq: m.seq, clientId: m.clientId, text: m.text })),
    ]),
  );
}

describe('a network that drops every connection', () => {
  test('a proxy cutting every connection for two seconds, twice, loses nothing and duplicates nothing, and the operator sees everything', async () => {
    const t = await app();
    const proxy = await new TcpProxy(Number(new URL(t.url).port)).start();
    cleanup.push(() => proxy.close());
    const operator = new CatchingUpOperator(proxy.url, await signIn(t.url));
    const visitors = Array.from({ length: 10 }, () => new RetryingVisitor(proxy.url));
    cleanup.push(() => {
      for (const c of [operator, ...visitors]) c.close();
    });
    let disconnects = 0;
    for (const socket of [operator.socket as Socket, ...visitors.map((v) => v.socket as Socket)])
      socket.on('disconnect', () => disconnects++);
    await waitFor(() => operator.resyncs > 0 && visitors.every((v) => v.token !== null), 'everyone connected');

    // 10 visitors, one message every 60 ms each, until both cuts are over (at most 400 each): the stream
    // spans both cuts however long the reconnects take.
    let writingOn = true;
    const writing = visitors.map(async (visitor, v) => {
      for (let i = 0; writingOn && i < 400; i++) {
        visitor.send(`visitor ${v} says ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    });
    const acked = () => visitors.reduce((n, v) => n + v.acked.size, 0);
    const sent = () => visitors.reduce((n, v) => n + v.sent.length, 0);
    for (const count of [80, 240]) {
      await waitFor(() => acked() >= count, `${count} acknowledged`);
      // Every client is back from the last cut (reconnects back off), so each one goes through this one.
      await waitFor(
        () => [operator.socket as Socket, ...visitors.map((v) => v.socket as Socket)].every((s) => s.connected),
        'everyone connected',
      );
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the outage itself
      // Writing went on during the outage: messages wait for the network to come back.
      expect(sent()).toBeGreaterThan(acked());
      expect(visitors.some((v) => v.socket.connected)).toBe(false);
      proxy.restore();
    }
    writingOn = false;
    await Promise.all(writing);
    await waitFor(() => visitors.every((v) => v.unacknowledged === 0), 'every message acknowledged');
    expect(disconnects).toBeGreaterThanOrEqual(2 * 11);

    const rows = storedMessages(t.db);
    expect(visitors.flatMap((v) => v.problems)).toEqual([]);
    expect(rows).toHaveLength(sent());
    expect(new Set(rows.map((r) => r.clientId)).size).toBe(rows.length);
    for (const visitor of visitors) {
      const own = rows.filter((r) => r.conversationId === visitor.conversationId);
      expect(own.map((r) => r.clientId)).toEqual(visitor.sent);
      expect(own.map((r) => r.seq)).toEqual(visitor.sent.map((_, i) => i + 1));
    }
    const conversations = byConversation(rows);
    await waitFor(
      () => [...conversations].every(([id, list]) => operator.lastSeq(id) === list.length),
      'the operator to see every message',
    );
    expect(operatorView(operator, conversations)).toEqual(conversations);
  });
});

describe('an operator who was offline', () => {
  test('catches up on everything it missed, in order: new messages, another operator’s reply, a new conversation, more than a page', async () => {
    const t = await app();
    const cookie = await signIn(t.url);
    const operator = new CatchingUpOperator(t.url, cookie);
    const a = new RetryingVisitor(t.url);
    const b = new RetryingVisitor(t.url);
    cleanup.push(() => {
      for (const c of [operator, a, b]) c.close();
    });
    for (let i = 0; i < 3; i++) a.send(`a before ${i}`);
    b.send('b before');
    await waitFor(() => a.acked.size === 3 && b.acked.size === 1, 'the first messages');
    await waitFor(() => operator.lastSeq(a.conversationId!) === 3 && operator.lastSeq(b.conversationId!) === 1, 'the operator to see them');
    const resyncs = operator.resyncs;

    operator.socket.disconnect();
    // While it is away: 250 more from A (more than one page), a colleague's reply, B again, and a new visitor.
    for (let i = 0; i < 250; i++) a.send(`a while away ${i}`);
    const colleague = operatorClient(t.url, cookie);
    cleanup.push(() => colleague.close());
    await connected(colleague);
    await waitFor(() => a.unacknowledged === 0, 'A’s messages');
    await ok(colleague, OperatorEvent.messageSend, {
      conversationId: a.conversationId!,
      clientId: newClientId(),
      text: 'a colleague answers',
    });
    b.send('b while away');
    const c = new RetryingVisitor(t.url);
    cleanup.push(() => c.close());
    c.send('c is new here');
    c.send('c again');
    await waitFor(() => b.unacknowledged === 0 && c.unacknowledged === 0, 'B’s and C’s messages');

    operator.socket.connect();
    await waitFor(() => operator.resyncs > resyncs, 'the operator to resync');
    const conversations = byConversation(storedMessages(t.db));
    expect(conversations.size).toBe(3);
    expect(operatorView(operator, conversations)).toEqual(conversations);
    const texts = (id: string) => operator.messages.get(id)!.map((m) => m.text);
    expect(texts(a.conversationId!)).toEqual([
      ...Array.from({ length: 3 }, (_, i) => `a before ${i}`),
      ...Array.from({ length: 250 }, (_, i) => `a while away ${i}`),
      'a colleague answers',
    ]);
    expect(texts(b.conversationId!)).toEqual(['b before', 'b while away']);
    expect(texts(c.conversationId!)).toEqual(['c is new here', 'c again']);
    expect(operator.conversations.get(a.conversationId!)?.lastSeq).toBe(254);
  });
});

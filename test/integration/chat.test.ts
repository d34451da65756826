import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import type { Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Ack } from '../../shared/errors';
import { OperatorEvent, OperatorPush, VisitorEvent, VisitorPush, type HelloResult, type OperatorMessagePush } from '../../shared/protocol';
import { MAX_MESSAGE_LENGTH } from '../../shared/schemas';
import type { MessageDto } from '../../shared/types';
import { allStoredValues, chatSnapshot, rows } from '../helpers/db-snapshot';
import { newClientId } from '../helpers/durable-clients';
import { signedInOperator, socketTracker, unwrap } from '../helpers/sockets';
import {
  ADMIN,
  call,
  connected,
  next,
  ok,
  operatorClient,
  signIn,
  startTestApp,
  visitorClient,
  type OperatorClient,
  type TestApp,
  type VisitorClient,
} from '../helpers/test-app';

let t: TestApp;
const sockets = socketTracker();

beforeEach(async () => {
  t = await startTestApp();
});

afterEach(async () => {
  sockets.closeAll();
  await t.close();
});

// ---- helpers local to these tests ----

/** Emits with any arguments (wrong shapes included) and resolves with the ack passed last. */
function rawCall(socket: Socket, event: string, ...args: unknown[]): Promise<Ack<unknown>> {
  return new Promise((resolve) => (socket as unknown as { emit: (...a: unknown[]) => void }).emit(event, ...args, resolve));
}

/** Emits without an acknowledgement callback. */
function rawEmit(socket: Socket, event: string, ...args: unknown[]): void {
  (socket as unknown as { emit: (...a: unknown[]) => void }).emit(event, ...args);
}

async function newVisitor(token?: string): Promise<{ socket: VisitorClient; hello: HelloResult }> {
  const socket = sockets.track(visitorClient(t.url));
  const hello = await ok(socket, VisitorEvent.hello, token ? { token } : {});
  return { socket, hello };
}

async function send(socket: VisitorClient, text: string, clientId = newClientId()): Promise<MessageDto> {
  return unwrap(await call(socket, VisitorEvent.messageSend, { clientId, text })).message;
}

function newOperator(cookie?: string): Promise<OperatorClient> {
  return signedInOperator(t.url, sockets, cookie);
}

function containsText(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (Buffer.isBuffer(value))
    return value.includes(Buffer.from(text)) || value.toString('hex').includes(text) || value.toString('base64url').includes(text);
  return false;
}

describe('visitor identity', () => {
  test('hello issues a random token and the database keeps only its sha256 hash', async () => {
    const { hello } = await newVisitor();
    expect(Buffer.from(hello.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(hello.conversation).toBeNull();
    expect(hello.messages).toEqual([]);

    const visitors = rows(t.db, 'SELECT * FROM visitors');
    expect(visitors).toHaveLength(1);
    expect(visitors[0].token_hash).toEqual(crypto.createHash('sha256').update(hello.token).digest());
    for (const value of Object.values(visitors[0])) expect(containsText(value, hello.token)).toBe(false);
    // Nor anywhere else in the database.
    expect(allStoredValues(t.db).some((value) => containsText(value, hello.token))).toBe(false);
  });

  test('two visitors get different tokens', async () => {
    const a = await newVisitor();
    const b = await newVisitor();
    expect(a.hello.token).not.toBe(b.hello.token);
    expect(rows(t.db, 'SELECT id FROM visitors')).toHaveLength(2);
  });

  test('an unknown token is replaced by a fresh one instead of being adopted', async () => {
    const forged = crypto.randomBytes(24).toString('base64url');
    const { hello } = await newVisitor(forged);
    expect(hello.token).not.toBe(forged);
    expect(rows(t.db, 'SELECT id FROM visitors WHERE token_hash = ?', crypto.createHash('sha256').update(forged).digest())).toEqual([]);
  });
});

describe('messages between visitor and operator', () => {
  test('a visitor message is acknowledged only once stored and reaches a signed-in operator live', async () => {
    const operator = await newOperator();
    const { socket: visitor } = await newVisitor();
    const pushed = next<OperatorMessagePush[]>(operator, OperatorPush.messages);

    const clientId = newClientId();
    const message = await send(visitor, 'Hello, is anyone there?', clientId);

    // A second connection sees only committed data: the row is durable by the time the ack arrives.
    const reader = new Database(t.config.databasePath, { readonly: true, fileMustExist: true });
    try {
      const stored = reader.prepare('SELECT seq, author, body FROM messages WHERE client_id = ?').get(clientId);
      expect(stored).toEqual({ seq: 1, author: 'visitor', body: 'Hello, is anyone there?' });
    } finally {
      reader.close();
    }
    expect(message).toMatchObject({ seq: 1, clientId, author: 'visitor', text: 'Hello, is anyone there?', operatorName: null });

    // One push carries the message and the inbox row it changed.
    const [{ message: live, conversation }] = await pushed;
    expect(live).toEqual(message);
    expect(conversation).toMatchObject({
      id: message.conversationId,
      lastSeq: 1,
      lastMessagePreview: 'Hello, is anyone there?',
      status: 'open',
    });
  });

  test('an operator reply reaches the visitor live', async () => {
    const operator = await newOperator();
    const { socket: visitor } = await newVisitor();
    const first = await send(visitor, 'I need help');

    const pushed = next<MessageDto>(visitor, VisitorPush.messageNew, (m) => m.author === 'operator');
    const reply = unwrap(
      await call(operator, OperatorEvent.messageSend, {
        conversationId: first.conversationId,
        clientId: newClientId(),
        text: 'How can I help?',
      }),
    ).message;
    expect(await pushed).toEqual(reply);
    expect(reply).toMatchObject({
      conversationId: first.conversationId,
      seq: 2,
      author: 'operator',
      operatorName: 'Admin',
      text: 'How can I help?',
    });
  });

  test('after reconnecting with the same token the visitor gets its history from hello and from message:history', async () => {
    const operator = await newOperator();
    const first = await newVisitor();
    const m1 = await send(first.socket, 'one');
    await send(first.socket, 'two');
    await send(first.socket, 'three');
    await ok(operator, OperatorEvent.conversationClaim, { conversationId: m1.conversationId });
    unwrap(await call(operator, OperatorEvent.messageSend, { conversationId: m1.conversationId, clientId: newClientId(), text: 'four' }));
    first.socket.close();

    const again = await newVisitor(first.hello.token);
    expect(again.hello.token).toBe(first.hello.token);
    expect(again.hello.conversation).toMatchObject({ id: m1.conversationId, lastSeq: 4, assignedOperatorName: 'Admin' });
    expect(again.hello.messages.map((m) => [m.seq, m.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
    ]);

    const after = await ok(again.socket, VisitorEvent.messageHistory, { afterSeq: 2 });
    expect(after.lastSeq).toBe(4);
    expect(after.messages.map((m) => [m.seq, m.text])).toEqual([
      [3, 'three'],
      [4, 'four'],
    ]);
    const none = await ok(again.socket, VisitorEvent.messageHistory, { afterSeq: 4 });
    expect(none).toEqual({ messages: [], lastSeq: 4 });
    expect(rows(t.db, 'SELECT id FROM visitors')).toHaveLength(1);
  });

  test('a resend with the same clientId is stored once and answered the same', async () => {
    const { socket } = await newVisitor();
    const clientId = newClientId();
    const firstAck = await call(socket, VisitorEvent.messageSend, { clientId, text: 'only once' });
    const resendAck = await call(socket, VisitorEvent.messageSend, { clientId, text: 'only once' });
    expect(resendAck).toEqual(firstAck);

    // Two copies in flight at once (one batch) are also stored once.
    const racingId = newClientId();
    const [a, b] = await Promise.all([
      call(socket, VisitorEvent.messageSend, { clientId: racingId, text: 'twice in flight' }),
      call(socket, VisitorEvent.messageSend, { clientId: racingId, text: 'twice in flight' }),
    ]);
    expect(a.ok).toBe(true);
    expect(b).toEqual(a);

    expect(rows(t.db, 'SELECT client_id, seq FROM messages ORDER BY seq')).toEqual([
      { client_id: clientId, seq: 1 },
      { client_id: racingId, seq: 2 },
    ]);
    expect(rows(t.db, 'SELECT last_seq FROM conversations')).toEqual([{ last_seq: 2 }]);
  });

  test('reusing a clientId for a different text is a conflict and changes nothing', async () => {
    const { socket } = await newVisitor();
    const clientId = newClientId();
    await send(socket, 'original text', clientId);
    const before = chatSnapshot(t.db);

    const ack = await call(socket, VisitorEvent.messageSend, { clientId, text: 'different text' });
    expect(ack.ok).toBe(false);
    if (!ack.ok) expect(ack.error.code).toBe('conflict');
    expect(chatSnapshot(t.db)).toEqual(before);
  });

  test('asking for history after a sequence number from the future is invalid_payload', async () => {
    const { socket } = await newVisitor();
    const noConversationYet = await call(socket, VisitorEvent.messageHistory, { afterSeq: 1 });
    expect(noConversationYet).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });

    await send(socket, 'one message');
    const future = await call(socket, VisitorEvent.messageHistory, { afterSeq: 2 });
    expect(future).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const present = await call(socket, VisitorEvent.messageHistory, { afterSeq: 1 });
    expect(present).toEqual({ ok: true, data: { messages: [], lastSeq: 1 } });
  });

  test('a message of exactly the maximum length is accepted', async () => {
    const { socket } = await newVisitor();
    const text = 'x'.repeat(MAX_MESSAGE_LENGTH);
    const message = await send(socket, text);
    expect(message.text).toBe(text);
    expect(rows(t.db, 'SELECT length(body) AS n FROM messages')).toEqual([{ n: MAX_MESSAGE_LENGTH }]);
  });
});

describe('operator sessions', () => {
  test('an operator connection without a session cookie is refused', async () => {
    const socket = sockets.track(operatorClient(t.url, null));
    await expect(connected(socket)).rejects.toThrow('unauthorized');
    expect(socket.connected).toBe(false);
  });

  test('an operator connection with a bogus session cookie is refused', async () => {
    const socket = sockets.track(operatorClient(t.url, `cw_session=${crypto.randomBytes(32).toString('base64url')}`));
    await expect(connected(socket)).rejects.toThrow('unauthorized');
  });

  test('after logout the operator socket is cut off and the cookie no longer connects', async () => {
    const cookie = await signIn(t.url);
    const operator = await newOperator(cookie);
    expect(await ok(operator, OperatorEvent.conversationList, { view: 'open' })).toEqual({ conversations: [] });

    const res = await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(res.status).toBe(200);

    // The next event finds the session gone: it is answered `unauthorized`, then the server drops the socket.
    const disconnected = new Promise<string>((resolve) => operator.once('disconnect', (reason) => resolve(reason)));
    let answer: Ack<unknown> | null = null;
    void call(operator, OperatorEvent.conversationList, { view: 'open' }).then((ack) => (answer = ack));
    expect(await disconnected).toBe('io server disconnect');
    // The answer travels on the same connection before the close, so it is in by now.
    expect(answer).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    const retry = sockets.track(operatorClient(t.url, cookie));
    await expect(connected(retry)).rejects.toThrow('unauthorized');
    const me = await fetch(`${t.url}/api/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(401);
  });
});

describe('conversation isolation', () => {
  test("a visitor cannot read another visitor's conversation", async () => {
    const operator = await newOperator();
    const a = await newVisitor();
    const aOtherTab = await newVisitor(a.hello.token);
    const b = await newVisitor();
    const seenByA: MessageDto[] = [];
    const seenByOtherTab: MessageDto[] = [];
    a.socket.on(VisitorPush.messageNew, (m) => seenByA.push(m));
    aOtherTab.socket.on(VisitorPush.messageNew, (m) => seenByOtherTab.push(m));

    const a1 = await send(a.socket, 'from A, first');
    const b1 = await send(b.socket, 'from B, private');
    expect(b1.conversationId).not.toBe(a1.conversationId);
    unwrap(
      await call(operator, OperatorEvent.messageSend, { conversationId: b1.conversationId, clientId: newClientId(), text: 'to B only' }),
    );
    await send(a.socket, 'from A, second');
    // An answer to A is pushed after everything above; by then any leak would have arrived.
    const answered = Promise.all(
      [a.socket, aOtherTab.socket].map((s) => next<MessageDto>(s, VisitorPush.messageNew, (m) => m.text === 'to A')),
    );
    unwrap(await call(operator, OperatorEvent.messageSend, { conversationId: a1.conversationId, clientId: newClientId(), text: 'to A' }));
    await answered;

    // The sending tab has its own messages from their acknowledgements; A's other tab gets them pushed.
    expect(seenByA.map((m) => m.text)).toEqual(['to A']);
    expect(seenByOtherTab.map((m) => m.text)).toEqual(['from A, first', 'from A, second', 'to A']);
    expect([...seenByA, ...seenByOtherTab].every((m) => m.conversationId === a1.conversationId)).toBe(true);

    const history = await ok(a.socket, VisitorEvent.messageHistory, {});
    expect(history.messages.map((m) => m.text)).toEqual(['from A, first', 'from A, second', 'to A']);
    const resumed = await newVisitor(a.hello.token);
    expect(resumed.hello.conversation?.id).toBe(a1.conversationId);
    expect(resumed.hello.messages.map((m) => m.text)).toEqual(['from A, first', 'from A, second', 'to A']);
  });

  test("a visitor cannot write into another visitor's conversation by naming it", async () => {
    const a = await newVisitor();
    const b = await newVisitor();
    const b1 = await send(b.socket, 'B talking');
    const before = chatSnapshot(t.db);

    const ack = await call(a.socket, OperatorEvent.messageSend, {
      conversationId: b1.conversationId,
      clientId: newClientId(),
      text: 'A intruding',
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(chatSnapshot(t.db)).toEqual(before);
  });

  test('a visitor cannot use operator events', async () => {
    const a = await newVisitor();
    const b = await newVisitor();
    const b1 = await send(b.socket, 'B waiting');
    const answered: string[] = [];
    const attempts: Array<[string, unknown]> = [
      [OperatorEvent.conversationList, { view: 'open' }],
      [OperatorEvent.conversationOpen, { conversationId: b1.conversationId }],
      [OperatorEvent.conversationClaim, { conversationId: b1.conversationId }],
      [OperatorEvent.privacyList, {}],
      [OperatorEvent.apiKeyCreate, { label: 'stolen' }],
      [OperatorEvent.webhookCreate, { url: 'http://127.0.0.1:9/hook' }],
    ];
    for (const [event, payload] of attempts) rawCall(a.socket, event, payload).then(() => answered.push(event));

    // Events are handled in order: once this later call is answered, the earlier ones would have been.
    await ok(a.socket, VisitorEvent.messageHistory, {});
    expect(answered).toEqual([]);
    expect(rows(t.db, 'SELECT assigned_operator_id FROM conversations')).toEqual([{ assigned_operator_id: null }]);
    expect(rows(t.db, 'SELECT id FROM api_keys')).toEqual([]);
    expect(rows(t.db, 'SELECT id FROM webhooks')).toEqual([]);
  });
});

describe('claiming a conversation', () => {
  test('when two operators claim at once exactly one wins and the other gets conflict', async () => {
    const second = await t.app.services.auth.createOperator({
      email: 'second@example.test',
      name: 'Second',
      role: 'operator',
      password: 'another long password',
    });
    const admin = await newOperator(await signIn(t.url));
    const other = await newOperator(await signIn(t.url, 'second@example.test', 'another long password'));
    const { socket: visitor } = await newVisitor();
    const { conversationId } = await send(visitor, 'who takes me?');

    const acks = await Promise.all([
      call(admin, OperatorEvent.conversationClaim, { conversationId }),
      call(other, OperatorEvent.conversationClaim, { conversationId }),
    ]);
    const winners = acks.filter((a) => a.ok);
    const losers = acks.filter((a) => !a.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const winnerId = winners[0].ok ? winners[0].data.conversation.assignedOperatorId : null;
    expect([1, second.id]).toContain(winnerId);
    expect(rows(t.db, 'SELECT assigned_operator_id FROM conversations')).toEqual([{ assigned_operator_id: winnerId }]);

    // The loser stays refused; the winner claiming again is a no-op success.
    const loser = acks[0].ok ? other : admin;
    const winner = acks[0].ok ? admin : other;
    expect(await call(loser, OperatorEvent.conversationClaim, { conversationId })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(await call(winner, OperatorEvent.conversationClaim, { conversationId })).toMatchObject({ ok: true });
  });
});

describe('malformed input', () => {
  test('malformed payloads are answered with invalid_payload and change nothing', async () => {
    const { socket } = await newVisitor();
    await send(socket, 'a message before the noise');
    const before = chatSnapshot(t.db);
    const id = newClientId();

    const cases: Array<[string, string, unknown[]]> = [
      ['wrong type', VisitorEvent.messageSend, [{ clientId: 12345678, text: 'x' }]],
      ['wrong type of text', VisitorEvent.messageSend, [{ clientId: id, text: 42 }]],
      ['unknown field', VisitorEvent.messageSend, [{ clientId: id, text: 'x', author: 'operator' }]],
      ['missing field', VisitorEvent.messageSend, [{ clientId: id }]],
      ['empty object', VisitorEvent.messageSend, [{}]],
      ['oversized message', VisitorEvent.messageSend, [{ clientId: id, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }]],
      ['blank message', VisitorEvent.messageSend, [{ clientId: id, text: '   ' }]],
      ['malformed clientId', VisitorEvent.messageSend, [{ clientId: 'short', text: 'x' }]],
      ['string payload', VisitorEvent.messageSend, ['hello']],
      ['number payload', VisitorEvent.messageSend, [42]],
      ['null payload', VisitorEvent.messageSend, [null]],
      ['array payload', VisitorEvent.messageSend, [[{ clientId: id, text: 'x' }]]],
      ['no payload', VisitorEvent.messageSend, []],
      ['extra argument', VisitorEvent.messageSend, [{ clientId: id, text: 'x' }, 'extra']],
      ['negative afterSeq', VisitorEvent.messageHistory, [{ afterSeq: -1 }]],
      ['fractional afterSeq', VisitorEvent.messageHistory, [{ afterSeq: 0.5 }]],
      ['limit too large', VisitorEvent.messageHistory, [{ limit: 100_000 }]],
      ['malformed token', VisitorEvent.hello, [{ token: 'not a token' }]],
      ['unknown language', VisitorEvent.hello, [{ lang: 'xx' }]],
      ['typing as string', VisitorEvent.typingSet, [{ typing: 'yes' }]],
      ['unknown request type', VisitorEvent.privacyStart, [{ type: 'everything', email: 'a@example.test' }]],
      ['not an e-mail', VisitorEvent.privacyStart, [{ type: 'erasure', email: 'not-an-address' }]],
      ['five-digit code', VisitorEvent.privacyVerify, [{ verificationId: 'A'.repeat(24), code: '12345' }]],
      ['non-hex signature', VisitorEvent.identify, [{ email: 'a@example.test', signature: 'z'.repeat(64) }]],
    ];
    for (const [name, event, args] of cases) {
      const ack = await rawCall(socket, event, ...args);
      expect({ name, ack }).toMatchObject({ name, ack: { ok: false, error: { code: 'invalid_payload' } } });
      if (!ack.ok) expect(typeof ack.error.message).toBe('string');
    }

    expect(chatSnapshot(t.db)).toEqual(before);
    // The connection survived all of it.
    const after = await send(socket, 'still here');
    expect(after.seq).toBe(2);
  });

  test('an event without an acknowledgement is dropped and the server keeps working', async () => {
    const { socket } = await newVisitor();
    await send(socket, 'first');
    const before = chatSnapshot(t.db);
    const droppedId = newClientId();

    rawEmit(socket, VisitorEvent.messageSend, { clientId: droppedId, text: 'no ack, not stored' });
    rawEmit(socket, VisitorEvent.messageSend, 'garbage without ack');
    rawEmit(socket, VisitorEvent.hello);

    const history = await ok(socket, VisitorEvent.messageHistory, {});
    expect(history.messages.map((m) => m.text)).toEqual(['first']);
    expect(chatSnapshot(t.db)).toEqual(before);
    expect(rows(t.db, 'SELECT id FROM messages WHERE client_id = ?', droppedId)).toEqual([]);
    expect((await send(socket, 'second')).seq).toBe(2);
  });

  test('events before hello are refused with unauthorized', async () => {
    const socket = sockets.track(visitorClient(t.url));
    await connected(socket);
    const attempts: Array<[string, unknown]> = [
      [VisitorEvent.messageSend, { clientId: newClientId(), text: 'who am I?' }],
      [VisitorEvent.messageHistory, {}],
      [VisitorEvent.typingSet, { typing: true }],
      [VisitorEvent.identify, { email: 'a@example.test', signature: 'a'.repeat(64) }],
      [VisitorEvent.privacyStart, { type: 'erasure', email: 'a@example.test' }],
      [VisitorEvent.privacyResend, { verificationId: 'A'.repeat(24) }],
      [VisitorEvent.privacyVerify, { verificationId: 'A'.repeat(24), code: '123456' }],
      [VisitorEvent.privacyStatus, { requestTokens: [] }],
    ];
    for (const [event, payload] of attempts) {
      expect({ event, ack: await rawCall(socket, event, payload) }).toMatchObject({
        event,
        ack: { ok: false, error: { code: 'unauthorized' } },
      });
    }
    expect(chatSnapshot(t.db)).toEqual({ visitors: [], conversations: [], messages: [] });
    expect(rows(t.db, 'SELECT id FROM privacy_requests')).toEqual([]);
    expect(t.smtp.mails).toEqual([]);

    await ok(socket, VisitorEvent.hello, {});
    expect((await send(socket, 'now it works')).seq).toBe(1);
  });

  test('operator events validate their payloads too', async () => {
    const operator = await newOperator();
    const { socket: visitor } = await newVisitor();
    const { conversationId } = await send(visitor, 'hello');
    const before = chatSnapshot(t.db);

    const cases: Array<[string, unknown[]]> = [
      [OperatorEvent.conversationList, [{ view: 'everything' }]],
      [OperatorEvent.conversationClaim, [{ conversationId: '../../etc' }]],
      [OperatorEvent.conversationClaim, [{ conversationId, force: true }]],
      [OperatorEvent.messageSend, [{ conversationId, clientId: newClientId(), text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }]],
      [OperatorEvent.messageSend, [{ clientId: newClientId(), text: 'where to?' }]],
      [OperatorEvent.privacyAct, [{ id: '1', action: 'start' }]],
      [OperatorEvent.privacyAct, [{ id: 1, action: 'delete' }]],
      [OperatorEvent.conversationResolve, ['not an object']],
      [OperatorEvent.conversationResolve, [{ conversationId }, 'extra']],
    ];
    for (const [event, args] of cases) {
      expect({ event, ack: await rawCall(operator, event, ...args) }).toMatchObject({
        event,
        ack: { ok: false, error: { code: 'invalid_payload' } },
      });
    }
    expect(chatSnapshot(t.db)).toEqual(before);
    expect(await ok(operator, OperatorEvent.conversationClaim, { conversationId })).toMatchObject({ conversation: { id: conversationId } });
  });
});

describe('HTTP sign-in', () => {
  test('signing in with a wrong password is 401 with the error shape', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: 'not the password' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(typeof body.error.message).toBe('string');
  });

  test('an unknown account gets the same answer as a wrong password', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.test', password: 'whatever password' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: 'Wrong e-mail or password.' } });
  });

  test('a body that is not valid JSON is 400 invalid_payload', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "admin@example.test", ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  test('a login body with unknown fields is 400 invalid_payload', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, role: 'admin' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  test('/api/auth/me without a cookie is 401, with the session cookie it names the operator', async () => {
    const anonymous = await fetch(`${t.url}/api/auth/me`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    const cookie = await signIn(t.url);
    const me = await fetch(`${t.url}/api/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ ok: true, data: { operator: { id: 1, email: ADMIN.email, name: 'Admin', role: 'admin' } } });
  });

  test('the session cookie is httpOnly and SameSite=Strict, and lasts the session lifetime by Max-Age, whatever the browser clock says', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    // An absolute Expires is judged by the browser's clock: one running ahead would drop the session at once.
    expect(cookie).toContain(`Max-Age=${t.config.sessionTtlMs / 1000}`);
    expect(cookie).not.toMatch(/Expires=/i);
  });
});

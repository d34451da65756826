import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent, OperatorPush, VisitorEvent } from '../../shared/protocol';
import { API_CALLS_PER_KEY_PER_MINUTE } from '../../server/privacy/privacy-routes';
import { MESSAGE_BURST, MESSAGE_SUSTAINED, TYPING_LIMIT } from '../../server/chat/chat-service';
import { newClientId } from '../helpers/durable-clients';
import { socketTracker } from '../helpers/sockets';
import {
  ADMIN,
  call,
  connected,
  next,
  ok,
  operatorClient,
  signIn,
  startTestApp,
  TestClock,
  visitorClient,
  type TestApp,
  type VisitorClient,
} from '../helpers/test-app';

let t: TestApp;
const sockets = socketTracker();

afterEach(async () => {
  sockets.closeAll();
  await t?.close();
});

/** A visitor socket that appears to come from `ip` (the app trusts the loopback proxy in these tests). */
function visitorFrom(ip: string): VisitorClient {
  return sockets.track(visitorClient(t.url, { 'x-forwarded-for': ip }));
}

async function helloVisitor(): Promise<VisitorClient> {
  const socket = sockets.track(visitorClient(t.url));
  await ok(socket, VisitorEvent.hello, {});
  return socket;
}

async function sendCode(socket: VisitorClient, id = newClientId()): Promise<string> {
  const ack = await call(socket, VisitorEvent.messageSend, { clientId: id, text: `message ${id}` });
  return ack.ok ? 'ok' : ack.error.code;
}

function login(email: string, password: string, ip: string): Promise<Response> {
  return fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ email, password }),
  });
}

async function loginCode(email: string, password: string, ip: string): Promise<string> {
  const res = await login(email, password, ip);
  const body = (await res.json()) as { ok: boolean; error?: { code: string } };
  return body.ok ? 'ok' : body.error!.code;
}

describe('messages per visitor', () => {
  test(`a visitor may send ${MESSAGE_BURST.limit} messages in quick succession; the next is rate_limited, and sending works again once the burst window is over`, async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock });
    const visitor = await helloVisitor();
    for (let i = 0; i < MESSAGE_BURST.limit; i++) expect(await sendCode(visitor)).toBe('ok');
    const refused = await call(visitor, VisitorEvent.messageSend, { clientId: newClientId(), text: 'one too many' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringMatching(/too quickly/) } });
    expect(t.db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(MESSAGE_BURST.limit);

    clock.advance(MESSAGE_BURST.windowMs);
    expect(await sendCode(visitor)).toBe('ok');
  });

  test('resending an already stored message costs nothing against the limit', async () => {
    t = await startTestApp({ clock: new TestClock() });
    const visitor = await helloVisitor();
    const ids = Array.from({ length: MESSAGE_BURST.limit }, newClientId);
    for (const id of ids) expect(await sendCode(visitor, id)).toBe('ok');
    // A widget retrying after a reconnect sends the same ids again: answered as before.
    for (const id of ids) expect(await sendCode(visitor, id)).toBe('ok');
    expect(await sendCode(visitor)).toBe('rate_limited');
    expect(t.db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(MESSAGE_BURST.limit);
  });

  test(`over an hour a visitor may send ${MESSAGE_SUSTAINED.limit} messages, then is rate_limited until the hour is over`, async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock });
    const visitor = await helloVisitor();
    for (let sent = 0; sent < MESSAGE_SUSTAINED.limit; sent++) {
      if (sent > 0 && sent % MESSAGE_BURST.limit === 0) clock.advance(MESSAGE_BURST.windowMs);
      expect(await sendCode(visitor)).toBe('ok');
    }
    clock.advance(MESSAGE_BURST.windowMs);
    const refused = await call(visitor, VisitorEvent.messageSend, { clientId: newClientId(), text: 'still here' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringMatching(/last hour/) } });

    clock.advance(MESSAGE_SUSTAINED.windowMs);
    expect(await sendCode(visitor)).toBe('ok');
  });

  test('leaving a contact e-mail writes a note into the thread, so it counts against the same limit', async () => {
    t = await startTestApp({ clock: new TestClock() });
    const visitor = await helloVisitor();
    for (let i = 0; i < MESSAGE_BURST.limit; i++)
      expect((await call(visitor, VisitorEvent.contactLeave, { email: `me${i}@example.test` })).ok).toBe(true);
    expect(await call(visitor, VisitorEvent.contactLeave, { email: 'again@example.test' })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
    expect(await sendCode(visitor)).toBe('rate_limited');
    expect(t.db.prepare(`SELECT count(*) FROM messages WHERE author = 'system'`).pluck().get()).toBe(MESSAGE_BURST.limit);
  });

  test('the limit is per visitor: a limited visitor does not slow anyone else down', async () => {
    t = await startTestApp({ clock: new TestClock() });
    const noisy = await helloVisitor();
    const quiet = await helloVisitor();
    for (let i = 0; i < MESSAGE_BURST.limit; i++) await sendCode(noisy);
    expect(await sendCode(noisy)).toBe('rate_limited');
    expect(await sendCode(quiet)).toBe('ok');
  });
});

describe('typing notices', () => {
  test(`a visitor hammering typing:set reaches operators at most ${TYPING_LIMIT.limit} times per ${TYPING_LIMIT.windowMs / 1000} s; every call is still answered`, async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock });
    const operator = sockets.track(operatorClient(t.url, await signIn(t.url)));
    await connected(operator);
    const visitor = await helloVisitor();
    expect(await sendCode(visitor)).toBe('ok');
    let pushes = 0;
    operator.on(OperatorPush.typing, () => pushes++);
    for (let i = 0; i < 100; i++) expect((await call(visitor, VisitorEvent.typingSet, { typing: i % 2 === 0 })).ok).toBe(true);
    // A message pushed after them arrives after every typing notice that was forwarded.
    const arrived = next(operator, OperatorPush.messages);
    expect(await sendCode(visitor)).toBe('ok');
    await arrived;
    expect(pushes).toBe(TYPING_LIMIT.limit);

    clock.advance(TYPING_LIMIT.windowMs);
    const again = next(operator, OperatorPush.typing);
    expect((await call(visitor, VisitorEvent.typingSet, { typing: false })).ok).toBe(true);
    expect(await again).toMatchObject({ typing: false });
  });
});

describe('API calls per key', () => {
  test(`an API key may make ${API_CALLS_PER_KEY_PER_MINUTE} calls a minute; the next is 429 rate_limited with Retry-After, another key is unaffected`, async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock });
    const admin = sockets.track(operatorClient(t.url, await signIn(t.url)));
    await connected(admin);
    const first = (await ok(admin, OperatorEvent.apiKeyCreate, { label: 'crm' })).secret;
    const second = (await ok(admin, OperatorEvent.apiKeyCreate, { label: 'erp' })).secret;
    const read = (secret: string) =>
      fetch(`${t.url}/api/v1/privacy-requests/PR-2026-000001`, { headers: { authorization: `Bearer ${secret}` } });

    for (let i = 0; i < API_CALLS_PER_KEY_PER_MINUTE; i++) expect((await read(first)).status).toBe(404);
    const limited = await read(first);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ ok: false, error: { code: 'rate_limited' } });

    // Creating is limited by the same count, and nothing is filed.
    const create = await fetch(`${t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${first}` },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test' }),
    });
    expect(create.status).toBe(429);
    expect(t.db.prepare('SELECT count(*) FROM privacy_requests').pluck().get()).toBe(0);

    expect((await read(second)).status).toBe(404);
    clock.advance(60_000);
    expect((await read(first)).status).toBe(404);
  });
});

describe('sign-in attempts', () => {
  test('five wrong passwords lock the account for 15 minutes, from any network and even with the right password', async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock, env: { TRUST_PROXY: 'loopback' } });
    for (let i = 0; i < 5; i++) expect(await loginCode(ADMIN.email, 'wrong password', '198.51.100.1')).toBe('unauthorized');
    const locked = await login(ADMIN.email, ADMIN.password, '198.51.100.2');
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(locked.headers.get('set-cookie')).toBeNull();

    clock.advance(15 * 60 * 1000);
    expect(await loginCode(ADMIN.email, ADMIN.password, '198.51.100.2')).toBe('ok');
  });

  test('twenty failed sign-ins from one address lock that address out, across accounts, but not other addresses', async () => {
    t = await startTestApp({ clock: new TestClock(), env: { TRUST_PROXY: 'loopback' } });
    for (let i = 0; i < 20; i++) expect(await loginCode(`nobody${i}@example.test`, 'guess', '203.0.113.9')).toBe('unauthorized');
    expect(await loginCode(ADMIN.email, ADMIN.password, '203.0.113.9')).toBe('rate_limited');
    expect(await loginCode(ADMIN.email, ADMIN.password, '203.0.113.10')).toBe('ok');
  });

  test('an IPv6 attacker cannot dodge the lockout by moving around inside its /64', async () => {
    t = await startTestApp({ clock: new TestClock(), env: { TRUST_PROXY: 'loopback' } });
    for (let i = 0; i < 20; i++)
      expect(await loginCode(`nobody${i}@example.test`, 'guess', `2001:db8:5:6::${(i + 1).toString(16)}`)).toBe('unauthorized');
    expect(await loginCode(ADMIN.email, ADMIN.password, '2001:db8:5:6:aaaa::1')).toBe('rate_limited');
    expect(await loginCode(ADMIN.email, ADMIN.password, '2001:db8:5:7::1')).toBe('ok');
  });
});

describe('new visitors per network', () => {
  test('one address may start 60 new visitors an hour; the next hello is rate_limited, a returning visitor still gets in', async () => {
    const clock = new TestClock();
    t = await startTestApp({ clock, env: { TRUST_PROXY: 'loopback' } });
    const socket = visitorFrom('192.0.2.50');
    let token = '';
    for (let i = 0; i < 60; i++) token = (await ok(socket, VisitorEvent.hello, {})).token;
    const refused = await call(socket, VisitorEvent.hello, {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(t.db.prepare('SELECT count(*) FROM visitors').pluck().get()).toBe(60);

    expect((await ok(socket, VisitorEvent.hello, { token })).token).toBe(token);
    expect((await call(visitorFrom('192.0.2.51'), VisitorEvent.hello, {})).ok).toBe(true);
    clock.advance(60 * 60 * 1000);
    expect((await call(socket, VisitorEvent.hello, {})).ok).toBe(true);
  });

  test('behind a proxy, what the client wrote into X-Forwarded-For itself is not believed', async () => {
    t = await startTestApp({ clock: new TestClock(), env: { TRUST_PROXY: 'loopback' } });
    // The client invents a first hop each time; the (trusted, loopback) proxy appends the address it saw.
    for (let i = 0; i < 60; i++) expect((await call(visitorFrom(`10.9.8.${i}, 203.0.113.7`), VisitorEvent.hello, {})).ok).toBe(true);
    expect(await call(visitorFrom('10.9.9.9, 203.0.113.7'), VisitorEvent.hello, {})).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
    expect((await call(visitorFrom('10.9.9.9, 203.0.113.8'), VisitorEvent.hello, {})).ok).toBe(true);
  });

  test('without TRUST_PROXY a forwarded address on the socket is ignored', async () => {
    t = await startTestApp({ clock: new TestClock() });
    for (let i = 0; i < 60; i++) expect((await call(visitorFrom(`198.51.100.${i}`), VisitorEvent.hello, {})).ok).toBe(true);
    expect(await call(visitorFrom('198.51.100.200'), VisitorEvent.hello, {})).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  test('IPv6 visitors count per /64', async () => {
    t = await startTestApp({ clock: new TestClock(), env: { TRUST_PROXY: 'loopback' } });
    for (let i = 0; i < 60; i++)
      expect((await call(visitorFrom(`2001:db8:9:1::${(i + 1).toString(16)}`), VisitorEvent.hello, {})).ok).toBe(true);
    expect(await call(visitorFrom('2001:db8:9:1:ffff::2'), VisitorEvent.hello, {})).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
    expect((await call(visitorFrom('2001:db8:9:2::1'), VisitorEvent.hello, {})).ok).toBe(true);
  });
});

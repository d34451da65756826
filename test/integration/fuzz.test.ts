import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { operatorEventSchemas, visitorEventSchemas } from '../../shared/event-schemas';
import type { Ack } from '../../shared/errors';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { appRoutes } from '../helpers/app-routes';
import { databaseDigest } from '../helpers/db-snapshot';
import { fieldsOf, junk, poisoned, prng, randomString } from '../helpers/fuzz-payloads';
import { call, connected, ok, operatorClient, signIn, startTestApp, TestClock, visitorClient, type TestApp } from '../helpers/test-app';

/** Payloads in all; a fixed seed keeps a failure reproducible (FUZZ_SEED overrides it). */
const TOTAL = 10_000;
const HTTP_SHARE = 0.15;
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const IN_FLIGHT = 64;

/** Emits with any arguments and resolves with the ack, or rejects when none comes. */
function rawCall(socket: Socket, event: string, args: unknown[]): Promise<Ack<unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), 15_000);
    (socket as unknown as { emit: (...a: unknown[]) => void }).emit(event, ...args, (ack: Ack<unknown>) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

/** Routes that read no input at all: nothing to fuzz (and a logout is always a success). */
const NO_INPUT = new Set([
  'POST /api/auth/logout',
  'GET /api/auth/me',
  'GET /api/admin/privacy-register.csv',
  'GET /api/admin/consent-register.csv',
  'GET /healthz',
  'GET /favicon.ico',
  'GET /widget-status.json',
  // The CORS preflight of the upload route: it reads no body and answers the same to everything.
  'OPTIONS /api/attachments/',
  'GET /console',
  'GET /console/',
  'GET /console/*page',
]);
/** The fields a route's body schema names, so the junk lands on them. */
const BODY_FIELDS: Record<string, string[]> = {
  'POST /api/auth/login': ['email', 'password'],
  'POST /api/v1/privacy-requests': ['type', 'email', 'name', 'details', 'lang'],
};

async function pool<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

describe('fuzzing every event and a set of routes', () => {
  let t: TestApp;
  const clock = new TestClock();
  const sockets: Socket[] = [];
  let apiKey = '';
  let cookie = '';

  beforeAll(async () => {
    t = await startTestApp({ clock });
    cookie = await signIn(t.url);
    const admin = operatorClient(t.url, cookie);
    sockets.push(admin);
    await connected(admin);
    apiKey = (await ok(admin, OperatorEvent.apiKeyCreate, { label: 'fuzz' })).secret;
    // Something stored for the fuzz to try to change: a conversation, a request awaiting its code.
    const visitor = visitorClient(t.url);
    sockets.push(visitor);
    await ok(visitor, VisitorEvent.hello, {});
    expect((await call(visitor, VisitorEvent.messageSend, { clientId: 'fuzz-setup-1', text: 'before the fuzz' })).ok).toBe(true);
    await ok(visitor, VisitorEvent.privacyStart, { type: 'erasure', email: 'fuzz@example.test' });
    await t.app.services.mail.idle();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.close();
  });

  test(`${TOTAL} malformed payloads: every one is answered with an error, nothing stored changes, the server stays up`, async () => {
    const r = prng(SEED);
    const before = databaseDigest(t.db);
    const greeted = visitorClient(t.url);
    const anonymous = visitorClient(t.url);
    const admin = operatorClient(t.url, cookie);
    sockets.push(greeted, anonymous, admin);
    await ok(greeted, VisitorEvent.hello, {});
    await Promise.all([connected(anonymous), connected(admin)]);
    const dropped: string[] = [];
    for (const [name, socket] of Object.entries({ greeted, anonymous, admin }) as Array<[string, Socket]>)
      socket.on('disconnect', (reason: string) => dropped.push(`${name}: ${reason}`));
    const afterHello = databaseDigest(t.db);

    type Shot =
      | { kind: 'socket'; socket: Socket; event: string; args: unknown[] }
      | { kind: 'http'; route: string; method: string; path: string; headers: Record<string, string>; body?: string };
    const targets: Array<{ socket: Socket; event: string; fields: string[] }> = [
      ...Object.values(VisitorEvent).flatMap((event) =>
        [greeted, anonymous].map((socket) => ({
          socket,
          event,
          fields: fieldsOf(visitorEventSchemas[event as keyof typeof visitorEventSchemas]),
        })),
      ),
      ...Object.values(OperatorEvent).map((event) => ({
        socket: admin as Socket,
        event,
        fields: fieldsOf(operatorEventSchemas[event as keyof typeof operatorEventSchemas]),
      })),
    ];
    const json = { 'content-type': 'application/json' };
    const junkPath = () =>
      encodeURIComponent(
        String(r.pick([randomString(r, 40), '..%2F..%2Fetc%2Fpasswd', '%00', `PR-2026-${'x'.repeat(500)}`, '\uD800'.normalize()])).replace(
          /\uD800/g,
          '',
        ),
      ) || 'x';
    const bodyOf = (fields: string[]) => {
      const roll = r.int(10);
      if (roll === 0)
        return r.pick(['{', '{"a":', 'null', '[]', '"text"', '{"__proto__":{"x":1}}', 'x'.repeat(40_000), `{"a":${'['.repeat(5000)}`]);
      return JSON.stringify(poisoned(r, fields));
    };
    // Every route that reads input (from the router, so new ones are fuzzed too), with junk in each
    // path parameter and a poisoned body, carrying the admin's cookie and the API key so that it is
    // the input, not a missing credential, that gets refused.
    const fuzzable = appRoutes(t.app).filter((route) => !NO_INPUT.has(route));
    expect(fuzzable.length).toBeGreaterThanOrEqual(7);
    const routes: Array<() => Shot> = fuzzable.map((route) => () => {
      const [method, pattern] = route.split(' ');
      const path = pattern.replace(/:[A-Za-z]+/g, () => junkPath()) + (method === 'GET' ? `?t=${junkPath()}` : '');
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, cookie };
      if (method === 'GET') return { kind: 'http', method, path, headers, route };
      if (pattern.startsWith('/privacy/')) {
        return {
          kind: 'http',
          method,
          path,
          route,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: `t=${junkPath()}&${junkPath()}=1`,
        };
      }
      return { kind: 'http', method, path, route, headers: { ...headers, ...json }, body: bodyOf(BODY_FIELDS[route] ?? []) };
    });

    const shots: Shot[] = [];
    for (let i = 0; i < TOTAL; i++) {
      if (r.next() < HTTP_SHARE) {
        shots.push(r.pick(routes)());
        continue;
      }
      const target = r.pick(targets);
      // Mostly one payload; sometimes none or two (each answered by the arity check).
      const arity = r.int(20);
      const make = () => (arity === 0 ? [] : arity === 1 ? [poisoned(r, target.fields), junk(r)] : [poisoned(r, target.fields)]);
      let args = make();
      // Within one frame: a bigger one closes the connection (its own test below), answering nothing.
      while (Buffer.byteLength(JSON.stringify(args)) > 48_000) args = make();
      shots.push({ kind: 'socket', socket: target.socket, event: target.event, args });
    }

    const failures: string[] = [];
    let answered = 0;
    let apiCalls = 0;
    await pool(shots, IN_FLIGHT, async (shot) => {
      if (shot.kind === 'socket') {
        const ack = await rawCall(shot.socket, shot.event, shot.args).catch((e: Error) => {
          throw new Error(`${e.message} ${JSON.stringify(shot.args).slice(0, 300)}; dropped: ${dropped.join(', ')}`);
        });
        answered++;
        if (ack.ok) failures.push(`${shot.event} accepted ${JSON.stringify(shot.args).slice(0, 200)}`);
        else if (ack.error.code === 'internal') failures.push(`${shot.event} failed inside: ${JSON.stringify(shot.args).slice(0, 200)}`);
        return;
      }
      // The per-key API limit is not what is being tested here: keep the key under it.
      if (shot.headers.authorization && ++apiCalls % 50 === 0) clock.advance(60_000);
      const res = await fetch(`${t.url}${shot.path}`, { method: shot.method, headers: shot.headers, body: shot.body });
      await res.arrayBuffer();
      answered++;
      if (res.status < 400 || res.status >= 500)
        failures.push(`${shot.route} (${shot.path.slice(0, 60)}) answered ${res.status}; a route that reads no input belongs in NO_INPUT`);
    });

    expect(failures.slice(0, 20)).toEqual([]);
    expect(answered).toBe(TOTAL);
    expect(databaseDigest(t.db)).toBe(afterHello);
    // The snapshot does notice changes: hello touched the visitor's last-seen time.
    expect(afterHello).not.toBe(before);

    // Still up, and still doing its job.
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    for (const socket of [greeted, admin]) expect(socket.connected).toBe(true);
    expect((await call(greeted, VisitorEvent.messageSend, { clientId: 'fuzz-after-1', text: 'after the fuzz' })).ok).toBe(true);
    expect((await call(admin, OperatorEvent.privacyList, {})).ok).toBe(true);
  }, 90_000);

  test('events sent without an acknowledgement are dropped without harm', async () => {
    const socket = visitorClient(t.url);
    sockets.push(socket);
    await ok(socket, VisitorEvent.hello, {});
    const before = databaseDigest(t.db);
    const r = prng(SEED + 1);
    for (let i = 0; i < 200; i++)
      (socket as unknown as { emit: (...a: unknown[]) => void }).emit(
        r.pick(Object.values(VisitorEvent)),
        poisoned(r, ['text', 'clientId']),
      );
    // Answered in order after all of the above: the server read them all and is still answering.
    expect((await call(socket, VisitorEvent.messageHistory, {})).ok).toBe(true);
    expect(databaseDigest(t.db)).toBe(before);
  });

  test('a frame over 64 KB closes only that connection; nothing is stored and everyone else carries on', async () => {
    const big = visitorClient(t.url);
    const bystander = visitorClient(t.url);
    sockets.push(big, bystander);
    await ok(big, VisitorEvent.hello, {});
    await ok(bystander, VisitorEvent.hello, {});
    const before = databaseDigest(t.db);
    const dropped = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
    (big as unknown as { emit: (...a: unknown[]) => void }).emit(
      VisitorEvent.messageSend,
      { clientId: 'too-big-frame', text: 'x'.repeat(70_000) },
      () => {},
    );
    expect(await dropped).toMatch(/transport/);
    expect(databaseDigest(t.db)).toBe(before);
    expect((await call(bystander, VisitorEvent.messageHistory, {})).ok).toBe(true);
  });

  test('a message with a lone surrogate is refused; an emoji (a proper pair) is stored exactly as sent', async () => {
    const socket = visitorClient(t.url);
    sockets.push(socket);
    await ok(socket, VisitorEvent.hello, {});
    expect(await call(socket, VisitorEvent.messageSend, { clientId: 'lone-surrogate-1', text: 'broken \uD83D here' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'text contains invalid characters' },
    });
    const ack = await call(socket, VisitorEvent.messageSend, { clientId: 'proper-pair-1', text: 'fine 😀 here' });
    expect(ack.ok && ack.data.message.text).toBe('fine 😀 here');
    expect(t.db.prepare(`SELECT body FROM messages WHERE client_id = 'proper-pair-1'`).pluck().get()).toBe('fine 😀 here');
    // The resend of the same message is still recognised as the same.
    expect((await call(socket, VisitorEvent.messageSend, { clientId: 'proper-pair-1', text: 'fine 😀 here' })).ok).toBe(true);
  });
});

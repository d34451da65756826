import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Ack } from '../../shared/errors';
import type { RequestType } from '../../shared/privacy';
import { OperatorEvent, OperatorPush, VisitorEvent, VisitorPush, type PrivacyStartResult } from '../../shared/protocol';
import type { PrivacyRequestDto, VisitorRequestDto } from '../../shared/types';
import type { Db } from '../../server/db/open';
import { codeIn, linkIn, type ReceivedMail } from '../helpers/smtp';
import {
  call,
  connected,
  next,
  ok,
  operatorClient,
  signIn,
  startTestApp,
  TestClock,
  visitorClient,
  type OperatorClient,
  type TestApp,
  type VisitorClient,
} from '../helpers/test-app';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let t: TestApp;
let clock: TestClock;
const sockets: Socket[] = [];
const httpServers: http.Server[] = [];

beforeEach(async () => {
  clock = new TestClock();
  t = await startTestApp({ clock });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  operatorSocket = null;
  for (const server of httpServers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await t.close();
});

// ---- helpers local to these tests ----

function track<S extends Socket>(socket: S): S {
  sockets.push(socket);
  return socket;
}

function unwrap<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

function errorCode(ack: Ack<unknown>): string | null {
  return ack.ok ? null : ack.error.code;
}

function rows(db: Db, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  return db.prepare(sql).all(...params) as Record<string, unknown>[];
}

function keyedEmailHash(email: string): Buffer {
  return crypto.createHmac('sha256', t.app.secrets.hmacKey).update(`email:${email}`).digest();
}

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

async function newVisitor(): Promise<{ socket: VisitorClient; token: string; visitorId: number }> {
  const socket = track(visitorClient(t.url));
  const { token } = await ok(socket, VisitorEvent.hello, {});
  const visitorId = t.db.prepare('SELECT id FROM visitors WHERE token_hash = ?').pluck().get(sha256(token)) as number;
  return { socket, token, visitorId };
}

async function say(socket: VisitorClient, text: string): Promise<string> {
  const ack = await call(socket, VisitorEvent.messageSend, { clientId: `c${crypto.randomBytes(9).toString('base64url')}`, text });
  return unwrap(ack).message.conversationId;
}

let operatorSocket: OperatorClient | null = null;
async function operator(): Promise<OperatorClient> {
  if (operatorSocket?.connected) return operatorSocket;
  operatorSocket = track(operatorClient(t.url, await signIn(t.url)));
  await connected(operatorSocket);
  return operatorSocket;
}

/** Waits for a mail to `to` with a subject matching `subject`, among those that arrived after `skip` mails to that address. */
function mailTo(to: string, subject: RegExp, skip = 0): Promise<ReceivedMail> {
  return t.smtp.waitFor(to, (mail) => t.smtp.mailsTo(to).indexOf(mail) >= skip && subject.test(mail.subject));
}

const CODE_MAIL = /verification code/i;

async function startWithCode(socket: VisitorClient, type: RequestType, email: string, extra: { name?: string; details?: string } = {}) {
  const skip = t.smtp.mailsTo(email).length;
  const started = await ok(socket, VisitorEvent.privacyStart, { type, email, ...extra });
  if (started.status !== 'code_sent') throw new Error(`expected a code to be sent, got ${started.status}`);
  const code = codeIn(await mailTo(email, CODE_MAIL, skip));
  return { verificationId: started.verificationId, expiresAt: started.expiresAt, code };
}

async function fileVerified(socket: VisitorClient, type: RequestType, email: string, extra: { name?: string; details?: string } = {}) {
  const { verificationId, code } = await startWithCode(socket, type, email, extra);
  const filed = await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
  const id = requestIdOf(filed.request.reference);
  return { ...filed, id };
}

/** The next request pushed to the console (in a `privacy:upserts` batch) that matches `match`. */
async function pushedRequest(console: OperatorClient, match: (request: PrivacyRequestDto) => boolean): Promise<PrivacyRequestDto> {
  const batch = await next<PrivacyRequestDto[]>(console, OperatorPush.privacyUpserts, (requests) => requests.some(match));
  return batch.find(match)!;
}

function requestIdOf(reference: string): number {
  return t.db.prepare('SELECT id FROM privacy_requests WHERE reference = ?').pluck().get(reference) as number;
}

function requestRow(id: number): Record<string, unknown> {
  return t.db.prepare('SELECT * FROM privacy_requests WHERE id = ?').get(id) as Record<string, unknown>;
}

async function act(id: number, action: 'start' | 'extend' | 'complete' | 'reject', extra: { reason?: string; note?: string } = {}) {
  return call(await operator(), OperatorEvent.privacyAct, { id, action, ...extra });
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** Every value in every table of the database. */
function allStoredValues(db: Db): unknown[] {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  return tables.flatMap((table) => rows(db, `SELECT * FROM "${table}"`).flatMap((row) => Object.values(row)));
}

/** Whether `code` is stored anywhere as a value of its own (digits next to it mean it is part of something else, e.g. a timestamp). */
function storesCode(value: unknown, code: string): boolean {
  const standalone = new RegExp(`(?<!\\d)${code}(?!\\d)`);
  if (typeof value === 'string') return standalone.test(value);
  // A code kept as a number would lose leading zeros; only six-digit numbers could be one.
  if (typeof value === 'number') return value >= 100_000 && value === Number(code);
  if (Buffer.isBuffer(value)) return value.includes(Buffer.from(code));
  return false;
}

describe('verification codes', () => {
  test('the code is six digits from the mail and stored only as a keyed HMAC', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'erasure', 'alice@example.test');
    expect(code).toMatch(/^\d{6}$/);

    const stored = t.db.prepare('SELECT secret_hash FROM verifications WHERE id = ?').pluck().get(verificationId) as Buffer;
    expect(stored).toBeInstanceOf(Buffer);
    expect(stored.equals(Buffer.from(code))).toBe(false);
    // Not a plain hash an attacker could invert by trying all million codes…
    expect(stored.equals(sha256(code))).toBe(false);
    // …but an HMAC under the server's key, bound to this verification.
    expect(stored.equals(crypto.createHmac('sha256', t.app.secrets.hmacKey).update(`verification:${verificationId}:${code}`).digest())).toBe(true);
    expect(allStoredValues(t.db).some((value) => storesCode(value, code))).toBe(false);

    const filed = await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(filed.request).toMatchObject({ type: 'erasure', state: 'verified', reference: expect.stringMatching(/^PR-\d{4}-\d{6}$/) });
    expect(filed.alreadyOpen).toBe(false);
    expect(allStoredValues(t.db).some((value) => storesCode(value, code))).toBe(false);
  });

  test('a code works until ten minutes have passed', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code, expiresAt } = await startWithCode(socket, 'access', 'alice@example.test');
    expect(expiresAt).toBe(clock.now() + 10 * MINUTE);
    clock.advance(10 * MINUTE - 1);
    expect(await ok(socket, VisitorEvent.privacyVerify, { verificationId, code })).toMatchObject({ request: { state: 'verified' } });
  });

  test('a code is refused ten minutes and a millisecond after it was sent', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'access', 'alice@example.test');
    clock.advance(10 * MINUTE + 1);
    expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code }))).toBe('code_expired');
    expect(requestRow(1)).toMatchObject({ state: 'awaiting_verification', verified_at: null });
  });

  test('an expired code can be replaced by a resend, and only the new code works', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code: oldCode } = await startWithCode(socket, 'access', 'alice@example.test');
    clock.advance(11 * MINUTE);
    const skip = t.smtp.mailsTo('alice@example.test').length;
    const resent = await ok(socket, VisitorEvent.privacyResend, { verificationId });
    expect(resent.expiresAt).toBe(clock.now() + 10 * MINUTE);
    const newCode = codeIn(await mailTo('alice@example.test', CODE_MAIL, skip));
    if (newCode !== oldCode) {
      expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code: oldCode }))).toBe('invalid_code');
    }
    expect(await ok(socket, VisitorEvent.privacyVerify, { verificationId, code: newCode })).toMatchObject({ request: { state: 'verified' } });
  });

  test('a code works once', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'access', 'alice@example.test');
    await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    const again = await call(socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(['code_expired', 'invalid_state']).toContain(errorCode(again));
    // Still exactly one verified request, and no duplicate was filed by the replay.
    expect(rows(t.db, 'SELECT state FROM privacy_requests')).toEqual([{ state: 'verified' }]);
  });

  test('a code is bound to its own request', async () => {
    const { socket } = await newVisitor();
    const first = await startWithCode(socket, 'erasure', 'alice@example.test');
    let second = await startWithCode(socket, 'erasure', 'bob@example.test');
    // Make sure the two codes differ (one chance in a million that they do not).
    while (second.code === first.code) {
      const skip = t.smtp.mailsTo('bob@example.test').length;
      await ok(socket, VisitorEvent.privacyResend, { verificationId: second.verificationId });
      second = { ...second, code: codeIn(await mailTo('bob@example.test', CODE_MAIL, skip)) };
    }

    const crossed = await call(socket, VisitorEvent.privacyVerify, { verificationId: second.verificationId, code: first.code });
    expect(errorCode(crossed)).toBe('invalid_code');
    expect(rows(t.db, 'SELECT state FROM privacy_requests ORDER BY id')).toEqual([{ state: 'awaiting_verification' }, { state: 'awaiting_verification' }]);
    // Each code still opens its own request.
    await ok(socket, VisitorEvent.privacyVerify, { verificationId: first.verificationId, code: first.code });
    await ok(socket, VisitorEvent.privacyVerify, { verificationId: second.verificationId, code: second.code });
  });

  test('five wrong tries void the code, after which even the right code fails', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'erasure', 'alice@example.test');
    const wrong = otherCode(code);
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code: wrong }))).toBe('invalid_code');
    }
    expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code: wrong }))).toBe('too_many_attempts');
    expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code }))).toBe('too_many_attempts');
    // A voided code cannot be revived by asking for another either.
    expect(errorCode(await call(socket, VisitorEvent.privacyResend, { verificationId }))).toBe('too_many_attempts');
    expect(requestRow(1)).toMatchObject({ state: 'awaiting_verification', verified_at: null });
  });

  test('the chat’s intake is written by the writer thread, sharing its commits: start, a wrong try and the right code are one write each there, the wrong try stays counted, and the console hears of the request once it is stored', async () => {
    const { socket } = await newVisitor();
    const console = await operator();
    const before = t.app.writerStats.writes;
    const received = pushedRequest(console, (r) => r.state === 'awaiting_verification');
    const { verificationId, code } = await startWithCode(socket, 'access', 'carol@example.test');
    const pushed = await received;
    expect(rows(t.db, 'SELECT state FROM privacy_requests WHERE id = ?', pushed.id)).toEqual([{ state: 'awaiting_verification' }]);
    expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code: otherCode(code) }))).toBe('invalid_code');
    expect(rows(t.db, 'SELECT attempts FROM verifications WHERE id = ?', verificationId)).toEqual([{ attempts: 1 }]);
    const verified = pushedRequest(console, (r) => r.id === pushed.id && r.state === 'verified');
    await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    await verified;
    expect(t.app.writerStats.writes - before).toBe(3);
  });

  test('an unknown verification id is refused like a wrong code', async () => {
    const { socket } = await newVisitor();
    const ack = await call(socket, VisitorEvent.privacyVerify, { verificationId: crypto.randomBytes(18).toString('base64url'), code: '123456' });
    expect(errorCode(ack)).toBe('invalid_code');
  });
});

describe('verification send limits', () => {
  test('a fourth privacy:start for the same address within an hour is rate_limited, and allowed an hour later', async () => {
    const { socket } = await newVisitor();
    for (let i = 0; i < 3; i++) {
      expect(await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' })).toMatchObject({ status: 'code_sent' });
    }
    const fourth = await call(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' });
    expect(errorCode(fourth)).toBe('rate_limited');
    expect(rows(t.db, 'SELECT id FROM privacy_requests')).toHaveLength(3);
    // The address is normalised before counting: a different spelling is the same address.
    expect(errorCode(await call(socket, VisitorEvent.privacyStart, { type: 'access', email: ' Alice@Example.TEST ' }))).toBe('rate_limited');
    // Another address is not affected.
    expect(await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'bob@example.test' })).toMatchObject({ status: 'code_sent' });

    clock.advance(HOUR);
    expect(await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' })).toMatchObject({ status: 'code_sent' });
  });

  test('resends count towards the same limit of three sends per address per hour', async () => {
    const { socket } = await newVisitor();
    const { verificationId } = await startWithCode(socket, 'access', 'alice@example.test');
    await ok(socket, VisitorEvent.privacyResend, { verificationId });
    await ok(socket, VisitorEvent.privacyResend, { verificationId });
    expect(errorCode(await call(socket, VisitorEvent.privacyResend, { verificationId }))).toBe('rate_limited');
    expect(errorCode(await call(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' }))).toBe('rate_limited');

    clock.advance(HOUR);
    // All three earlier code mails are in before the next one is told apart from them.
    await mailTo('alice@example.test', CODE_MAIL, 2);
    const skip = t.smtp.mailsTo('alice@example.test').length;
    expect(skip).toBe(3);
    await ok(socket, VisitorEvent.privacyResend, { verificationId });
    const code = codeIn(await mailTo('alice@example.test', CODE_MAIL, skip));
    expect(await ok(socket, VisitorEvent.privacyVerify, { verificationId, code })).toMatchObject({ request: { state: 'verified' } });
  });

  test('one network gets at most ten code sends an hour', async () => {
    const { socket } = await newVisitor();
    for (let i = 1; i <= 10; i++) {
      expect(await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: `person${i}@example.test` })).toMatchObject({ status: 'code_sent' });
    }
    // A fresh address, from another visitor on the same network: still refused.
    const { socket: neighbour } = await newVisitor();
    expect(errorCode(await call(neighbour, VisitorEvent.privacyStart, { type: 'access', email: 'person11@example.test' }))).toBe('rate_limited');
    expect(rows(t.db, 'SELECT id FROM privacy_requests')).toHaveLength(10);
    expect(rows(t.db, 'SELECT id FROM privacy_requests WHERE email_hash = ?', keyedEmailHash('person11@example.test'))).toEqual([]);

    clock.advance(HOUR);
    expect(await ok(neighbour, VisitorEvent.privacyStart, { type: 'access', email: 'person11@example.test' })).toMatchObject({ status: 'code_sent' });
  });

  test('the answer looks the same whether or not we hold data for the address', async () => {
    // We hold a chat for known@ (a visitor the site identified); nothing for unknown@.
    const known = await newVisitor();
    await ok(known.socket, VisitorEvent.identify, { email: 'known@example.test', signature: signatureFor('known@example.test') });
    await say(known.socket, 'I am a customer');

    const { socket } = await newVisitor();
    const forKnown = await call(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'known@example.test' });
    const forUnknown = await call(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'unknown@example.test' });
    const shape = (ack: Ack<PrivacyStartResult>) => {
      const data = unwrap(ack) as Extract<PrivacyStartResult, { status: 'code_sent' }>;
      return { keys: Object.keys(data).sort(), status: data.status, idLength: data.verificationId.length, ttl: data.expiresAt - clock.now() };
    };
    expect(shape(forKnown)).toEqual(shape(forUnknown));
    expect(shape(forKnown).status).toBe('code_sent');
    // Both addresses get a code, so the mailbox does not tell either.
    await mailTo('known@example.test', CODE_MAIL);
    await mailTo('unknown@example.test', CODE_MAIL);
  });
});

function signatureFor(email: string): string {
  // What a host site computes: HMAC-SHA256 of the e-mail under the shared identity secret, hex.
  return crypto.createHmac('sha256', t.app.secrets.identitySecret).update(email).digest('hex');
}

describe('visitors identified by the site', () => {
  test('an identified visitor files without a code', async () => {
    const { socket } = await newVisitor();
    expect(await ok(socket, VisitorEvent.identify, { email: 'carol@example.test', name: 'Carol', signature: signatureFor('carol@example.test') })).toEqual({ identified: true });
    const started = await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'carol@example.test' });
    expect(started.status).toBe('filed');
    if (started.status !== 'filed') return;
    expect(started.request).toMatchObject({ type: 'access', state: 'verified' });
    expect(started.alreadyOpen).toBe(false);
    expect(started.requestToken).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(rows(t.db, 'SELECT id FROM verifications')).toEqual([]);
    // The requester is told the request is in, not sent a code.
    await mailTo('carol@example.test', /received/i);
    expect(t.smtp.mailsTo('carol@example.test').some((m) => CODE_MAIL.test(m.subject))).toBe(false);
  });

  test('identification counts only for the address that was signed', async () => {
    const { socket } = await newVisitor();
    await ok(socket, VisitorEvent.identify, { email: 'carol@example.test', signature: signatureFor('carol@example.test') });
    const started = await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'mallory@example.test' });
    expect(started.status).toBe('code_sent');
  });

  test('a bad signature is forbidden and identifies nobody', async () => {
    const { socket, visitorId } = await newVisitor();
    const forged = crypto.createHmac('sha256', 'not the site secret').update('carol@example.test').digest('hex');
    expect(errorCode(await call(socket, VisitorEvent.identify, { email: 'carol@example.test', signature: forged }))).toBe('forbidden');
    // A signature for another address does not transfer either.
    expect(errorCode(await call(socket, VisitorEvent.identify, { email: 'carol@example.test', signature: signatureFor('dave@example.test') }))).toBe('forbidden');
    expect(rows(t.db, 'SELECT email, email_verified FROM visitors WHERE id = ?', visitorId)).toEqual([{ email: null, email_verified: 0 }]);
    expect((await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'carol@example.test' })).status).toBe('code_sent');
  });
});

describe('operator actions on a request', () => {
  test('a verified request must be started before it is completed', async () => {
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'rectification', 'alice@example.test', { details: 'my name is misspelt' });
    expect(errorCode(await act(id, 'complete', { note: 'fixed' }))).toBe('invalid_state');
    expect(unwrap(await act(id, 'start')).request.state).toBe('in_progress');
    expect(errorCode(await act(id, 'start'))).toBe('invalid_state');
    expect(errorCode(await act(id, 'complete'))).toBe('invalid_payload'); // a correction says what was corrected
    const done = unwrap(await act(id, 'complete', { note: 'Name corrected to Alice' })).request;
    expect(done).toMatchObject({ state: 'completed', email: null, result: { corrected: 1 } });
  });

  test('a request awaiting verification cannot be started, but can be rejected', async () => {
    const { socket } = await newVisitor();
    await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'alice@example.test' });
    expect(errorCode(await act(1, 'start'))).toBe('invalid_state');
    expect(errorCode(await act(1, 'extend', { reason: 'complex' }))).toBe('invalid_state');
    expect(unwrap(await act(1, 'reject', { reason: 'We could not confirm the address' })).request.state).toBe('rejected');
  });

  test('a rejection needs a reason, which the requester sees with the right to complain', async () => {
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'access', 'alice@example.test');
    expect(errorCode(await act(id, 'reject'))).toBe('invalid_payload');
    expect(errorCode(await act(id, 'reject', { reason: '   ' }))).toBe('invalid_payload');
    expect(requestRow(id).state).toBe('verified');

    const update = next<VisitorRequestDto>(socket, VisitorPush.privacyUpdate, (r) => r.state === 'rejected');
    const skip = t.smtp.mailsTo('alice@example.test').length;
    const rejected = unwrap(await act(id, 'reject', { reason: 'Manifestly unfounded' })).request;
    expect(rejected).toMatchObject({ state: 'rejected', rejectionReason: 'Manifestly unfounded', email: null });
    expect(await update).toMatchObject({ state: 'rejected', rejectionReason: 'Manifestly unfounded' });
    const mail = await mailTo('alice@example.test', /declined/i, skip);
    expect(mail.body).toContain('Manifestly unfounded');
    expect(mail.body).toMatch(/complaint/i);
    expect(errorCode(await act(id, 'start'))).toBe('invalid_state');
  });

  test('an extension needs a reason and is allowed once', async () => {
    const { socket } = await newVisitor();
    const { id, request } = await fileVerified(socket, 'access', 'alice@example.test');
    expect(errorCode(await act(id, 'extend'))).toBe('invalid_payload');
    const extended = unwrap(await act(id, 'extend', { reason: 'Many systems to search' })).request;
    expect(extended).toMatchObject({ extended: true, extensionReason: 'Many systems to search', state: 'verified' });
    expect(extended.dueAt).toBeGreaterThan(request.dueAt!);
    await mailTo('alice@example.test', /more time/i);
    expect(errorCode(await act(id, 'extend', { reason: 'Even more time' }))).toBe('invalid_state');
    expect(requestRow(id)).toMatchObject({ extension_reason: 'Many systems to search', due_at: extended.dueAt });
  });

  test('an extension after the original due date is refused', async () => {
    const { socket } = await newVisitor();
    const { id, request } = await fileVerified(socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    clock.t = request.dueAt! + 1;
    // A month on, the operator's session has long ended: sign in afresh.
    operatorSocket?.close();
    operatorSocket = null;
    expect(errorCode(await act(id, 'extend', { reason: 'Too late now' }))).toBe('invalid_state');
    expect(requestRow(id)).toMatchObject({ extended: 0, due_at: request.dueAt });
  });

  test('a closed request takes no further action', async () => {
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'rectification', 'alice@example.test');
    await act(id, 'start');
    await act(id, 'complete', { note: 'done' });
    for (const [action, extra] of [['start', {}], ['complete', { note: 'again' }], ['reject', { reason: 'late' }], ['extend', { reason: 'late' }]] as const) {
      expect({ action, code: errorCode(await act(id, action, extra)) }).toEqual({ action, code: 'invalid_state' });
    }
  });

  test('an action on a request that does not exist is not_found', async () => {
    expect(errorCode(await act(999, 'start'))).toBe('not_found');
  });
});

describe('152-FZ requests', () => {
  test('a correction under 152-FZ cannot be extended', async () => {
    await t.close();
    clock = new TestClock();
    t = await startTestApp({ clock, env: { PRIVACY_JURISDICTION: '152fz' } });
    operatorSocket = null;
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'rectification', 'ivan@example.test');
    expect(requestRow(id).jurisdiction).toBe('152fz');
    expect(errorCode(await act(id, 'extend', { reason: 'need more time' }))).toBe('invalid_state');
  });
});

describe('erasure', () => {
  test("completing an erasure deletes the requester's chat and leaves everyone else's untouched", async () => {
    const op = await operator();
    const a = await newVisitor();
    const b = await newVisitor();
    const aConversation = await say(a.socket, 'Alice here, please forget me');
    await say(a.socket, 'my order number is 12345');
    const bConversation = await say(b.socket, 'Bob here, keep my chat');
    await ok(op, OperatorEvent.messageSend, { conversationId: bConversation, clientId: 'reply-to-bob-1', text: 'Hello Bob' });
    await ok(op, OperatorEvent.messageSend, { conversationId: aConversation, clientId: 'reply-to-alice', text: 'Hello Alice' });
    await ok(op, OperatorEvent.noteAdd, { conversationId: aConversation, clientId: 'note-on-alice', text: 'Alice is a returning customer' });
    await ok(op, OperatorEvent.noteAdd, { conversationId: bConversation, clientId: 'note-on-bob-1', text: 'Bob prefers e-mail' });

    const { id } = await fileVerified(a.socket, 'erasure', 'alice@example.test', { name: 'Alice A.' });
    const bRows = () => ({
      visitors: rows(t.db, 'SELECT * FROM visitors WHERE id = ?', b.visitorId),
      conversations: rows(t.db, 'SELECT * FROM conversations WHERE visitor_id = ?', b.visitorId),
      messages: rows(t.db, 'SELECT * FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?) ORDER BY id', b.visitorId),
      notes: rows(t.db, 'SELECT * FROM conversation_notes WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?) ORDER BY id', b.visitorId),
    });
    const bBefore = bRows();
    expect(bBefore.messages).toHaveLength(2);
    expect(bBefore.notes).toHaveLength(1);
    const aConversationRow = t.db.prepare('SELECT id FROM conversations WHERE visitor_id = ?').pluck().get(a.visitorId) as number;

    expect((await ok(op, OperatorEvent.conversationSearch, { query: 'forget' })).hits).toHaveLength(1);
    const completedPush = next<VisitorRequestDto>(a.socket, VisitorPush.privacyUpdate, (r) => r.state === 'completed');
    await ok(op, OperatorEvent.privacyAct, { id, action: 'start' });
    // The console's confirmation names what will go; counting it deletes nothing.
    const stored = allStoredValues(t.db).length;
    const { preview } = await ok(op, OperatorEvent.privacyPreview, { id });
    expect(preview).toEqual({ visitors: 1, conversations: 1, messages: 3, notes: 1, mails: 0, webhookCopies: 0 });
    expect(allStoredValues(t.db)).toHaveLength(stored);
    expect(bRows()).toEqual(bBefore);
    const done = unwrap(await act(id, 'complete')).request;
    expect(done).toMatchObject({ state: 'completed', email: null, name: null, result: { visitors: 1, conversations: 1, messages: 3 } });
    expect(done.result).toEqual(preview);
    expect(done.retainedNote).toBeTruthy();
    expect(await completedPush).toMatchObject({ state: 'completed' });

    // A is gone…
    expect(rows(t.db, 'SELECT id FROM visitors WHERE id = ?', a.visitorId)).toEqual([]);
    expect(rows(t.db, 'SELECT id FROM conversations WHERE visitor_id = ?', a.visitorId)).toEqual([]);
    expect(rows(t.db, 'SELECT id FROM messages WHERE conversation_id = ?', aConversationRow)).toEqual([]);
    expect(rows(t.db, 'SELECT id FROM conversation_notes WHERE conversation_id = ?', aConversationRow)).toEqual([]);
    // Search can no longer find what was erased, and still finds the rest.
    const { hits } = await ok(op, OperatorEvent.conversationSearch, { query: 'forget' });
    expect(hits).toEqual([]);
    // …B is byte for byte what it was.
    expect(bRows()).toEqual(bBefore);
    expect(rows(t.db, 'SELECT id FROM visitors')).toEqual([{ id: b.visitorId }]);

    // The ticket keeps only the keyed hash of the address, and what was erased.
    const ticket = requestRow(id);
    expect(ticket).toMatchObject({ state: 'completed', email: null, name: null, details: null, visitor_id: null });
    expect((ticket.email_hash as Buffer).equals(keyedEmailHash('alice@example.test'))).toBe(true);
    expect(JSON.parse(ticket.result_json as string)).toEqual({ visitors: 1, conversations: 1, messages: 3, notes: 1, mails: 0, webhookCopies: 0 });
    expect(allStoredValues(t.db).some((v) => typeof v === 'string' && /alice@example\.test|Alice A\.|forget me|returning customer/.test(v))).toBe(false);

    // The destruction is on record.
    const audit = rows(t.db, 'SELECT actor, action, detail FROM audit_log WHERE request_id = ? ORDER BY id', id);
    expect(audit.map((e) => e.action)).toEqual(['received', 'verified', 'started', 'completed']);
    const completed = audit[3];
    expect(completed.actor).toMatch(/^operator #1/);
    expect(JSON.parse(completed.detail as string).result).toEqual({ visitors: 1, conversations: 1, messages: 3, notes: 1, mails: 0, webhookCopies: 0 });

    // And the requester is told, with what had to be kept.
    const mail = await mailTo('alice@example.test', /completed/i);
    expect(mail.body).toContain(done.reference);
  });

  test('an erasure also reaches the chat of a visitor the site identified with that address', async () => {
    const identified = await newVisitor();
    await ok(identified.socket, VisitorEvent.identify, { email: 'alice@example.test', signature: signatureFor('alice@example.test') });
    await say(identified.socket, 'chat on the shop site');
    const other = await newVisitor();
    await say(other.socket, 'someone else');

    const requester = await newVisitor();
    const { id } = await fileVerified(requester.socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    expect(unwrap(await act(id, 'complete')).request.result).toMatchObject({ visitors: 2, conversations: 1, messages: 1 });
    expect(rows(t.db, 'SELECT id FROM visitors ORDER BY id')).toEqual([{ id: other.visitorId }]);
  });

  test('an erasure also reaches a browser that verified a duplicate request for the same address', async () => {
    const laptop = await newVisitor();
    const phone = await newVisitor();
    await say(laptop.socket, 'from the laptop');
    await say(phone.socket, 'from the phone');
    const first = await fileVerified(laptop.socket, 'erasure', 'alice@example.test');
    const second = await fileVerified(phone.socket, 'erasure', 'alice@example.test');
    expect(second.alreadyOpen).toBe(true);

    await act(first.id, 'start');
    expect(unwrap(await act(first.id, 'complete')).request.result).toMatchObject({ visitors: 2, conversations: 2, messages: 2 });
    expect(rows(t.db, 'SELECT id FROM visitors')).toEqual([]);
  });

  test("an erasure removes the requester's address from stored webhook payloads too", async () => {
    const op = await operator();
    // Port 1 on loopback refuses connections: deliveries stay stored, waiting for a retry.
    await ok(op, OperatorEvent.webhookCreate, { url: 'http://127.0.0.1:1/hook' });
    const { socket } = await newVisitor();
    const { id } = await fileVerified(socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    const payloads = () => rows(t.db, 'SELECT payload FROM webhook_deliveries').map((r) => String(r.payload));
    expect(payloads().some((p) => p.includes('alice@example.test'))).toBe(true);

    expect((await ok(op, OperatorEvent.privacyPreview, { id })).preview).toMatchObject({ webhookCopies: 2 });
    const done = unwrap(await act(id, 'complete')).request;
    expect(done.result).toMatchObject({ webhookCopies: 2 });
    expect(payloads().length).toBeGreaterThan(2);
    expect(payloads().some((p) => p.includes('alice@example.test'))).toBe(false);
  });

  test('only an open erasure request has an erasure preview', async () => {
    const op = await operator();
    const { socket } = await newVisitor();
    const access = await fileVerified(socket, 'access', 'alice@example.test');
    expect(errorCode(await call(op, OperatorEvent.privacyPreview, { id: access.id }))).toBe('invalid_state');
    const erasure = await fileVerified(socket, 'erasure', 'alice@example.test');
    await act(erasure.id, 'reject', { reason: 'We could not match the address to an account.' });
    expect(errorCode(await call(op, OperatorEvent.privacyPreview, { id: erasure.id }))).toBe('invalid_state');
    expect(errorCode(await call(op, OperatorEvent.privacyPreview, { id: 999_999 }))).toBe('not_found');
  });

  test('the audit log refuses UPDATE and DELETE', async () => {
    const { socket } = await newVisitor();
    await fileVerified(socket, 'access', 'alice@example.test');
    const before = rows(t.db, 'SELECT * FROM audit_log ORDER BY id');
    expect(before.length).toBeGreaterThan(0);
    expect(() => t.db.prepare(`UPDATE audit_log SET actor = 'someone else'`).run()).toThrow(/append-only/);
    expect(() => t.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(() => t.db.prepare('DELETE FROM audit_log WHERE id = ?').run(before[0].id)).toThrow(/append-only/);
    expect(rows(t.db, 'SELECT * FROM audit_log ORDER BY id')).toEqual(before);
    // Appending still works.
    t.db.prepare(`INSERT INTO audit_log (request_id, at, actor, action) VALUES (NULL, 0, 'test', 'appended')`).run();
    expect(rows(t.db, 'SELECT id FROM audit_log')).toHaveLength(before.length + 1);
  });
});

describe('access requests', () => {
  test("completing an access request mails a one-time link to a JSON copy of the requester's chat", async () => {
    const op = await operator();
    const a = await newVisitor();
    const b = await newVisitor();
    const aConversation = await say(a.socket, 'Alice asks about shipping');
    await ok(op, OperatorEvent.messageSend, { conversationId: aConversation, clientId: 'reply-alice-1', text: 'It ships tomorrow' });
    await ok(op, OperatorEvent.noteAdd, { conversationId: aConversation, clientId: 'note-alice-1', text: 'Asked twice about shipping' });
    await say(b.socket, 'Bob secret message');

    const { id, request } = await fileVerified(a.socket, 'access', 'alice@example.test');
    await act(id, 'start');
    const done = unwrap(await act(id, 'complete')).request;
    expect(done.result).toMatchObject({ visitors: 1, messages: 2 });

    const mail = await mailTo('alice@example.test', /data is ready/i);
    const link = linkIn(mail);
    expect(link.startsWith(`${t.url}/privacy/export/`)).toBe(true);

    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const text = await res.text();
    const data = JSON.parse(text) as {
      request: string;
      subject: { email: string };
      visitors: Array<{ conversation: { messages: Array<{ from: string; text: string }>; operatorNotes: Array<{ by: string; text: string }> } }>;
    };
    expect(data.request).toBe(request.reference);
    expect(data.subject.email).toBe('alice@example.test');
    expect(data.visitors).toHaveLength(1);
    expect(data.visitors[0].conversation.messages.map((m) => [m.from, m.text])).toEqual([
      ['visitor', 'Alice asks about shipping'],
      ['operator Admin', 'It ships tomorrow'],
    ]);
    expect(data.visitors[0].conversation.operatorNotes).toEqual([expect.objectContaining({ by: 'Admin', text: 'Asked twice about shipping' })]);
    expect(text).not.toContain('Bob secret message');

    const second = await fetch(link);
    expect(second.status).toBe(410);
    const audit = rows(t.db, 'SELECT action FROM audit_log WHERE request_id = ? ORDER BY id', id).map((r) => r.action);
    expect(audit).toContain('export downloaded');
  });
});

describe('objection to marketing', () => {
  test('an objection completes at once on verification and suppresses marketing for the address', async () => {
    const identified = await newVisitor();
    await ok(identified.socket, VisitorEvent.identify, { email: 'alice@example.test', signature: signatureFor('alice@example.test') });
    t.db.prepare('UPDATE visitors SET marketing_consent = 1 WHERE id = ?').run(identified.visitorId);

    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'objection', 'alice@example.test');
    const filed = await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(filed.request).toMatchObject({ type: 'objection', state: 'completed' });
    expect(filed.request.completedAt).toBe(clock.now());

    const id = requestIdOf(filed.request.reference);
    expect(rows(t.db, 'SELECT email_hash, request_id FROM marketing_suppressions')).toEqual([{ email_hash: keyedEmailHash('alice@example.test'), request_id: id }]);
    expect(rows(t.db, 'SELECT marketing_consent FROM visitors WHERE id = ?', identified.visitorId)).toEqual([{ marketing_consent: 0 }]);
    expect(requestRow(id)).toMatchObject({ email: null, state: 'completed' });
  });
});

describe('duplicate requests', () => {
  test('a second erasure request for an address with one open returns the open one', async () => {
    const first = await newVisitor();
    const original = await fileVerified(first.socket, 'erasure', 'alice@example.test');

    const second = await newVisitor();
    const { verificationId, code } = await startWithCode(second.socket, 'erasure', 'Alice@Example.test');
    const repeat = await ok(second.socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(repeat.alreadyOpen).toBe(true);
    expect(repeat.request.reference).toBe(original.request.reference);
    expect(repeat.request.state).toBe('verified');

    const duplicates = rows(t.db, 'SELECT state, duplicate_of, email FROM privacy_requests WHERE duplicate_of IS NOT NULL');
    expect(duplicates).toEqual([{ state: 'rejected', duplicate_of: original.id, email: null }]);
    // The operator's list shows one ticket, not two.
    const list = await ok(await operator(), OperatorEvent.privacyList, {});
    expect(list.requests.map((r) => r.reference)).toEqual([original.request.reference]);
    // The repeat's status token follows the open request.
    const status = await ok(second.socket, VisitorEvent.privacyStatus, { requestTokens: [repeat.requestToken] });
    expect(status.requests.map((r) => r.request.reference)).toEqual([original.request.reference]);
  });

  test('a request of another type for the same address is not a duplicate', async () => {
    const { socket } = await newVisitor();
    await fileVerified(socket, 'erasure', 'alice@example.test');
    const access = await fileVerified(socket, 'access', 'alice@example.test');
    expect(access.alreadyOpen).toBe(false);
    expect(rows(t.db, 'SELECT id FROM privacy_requests WHERE duplicate_of IS NULL')).toHaveLength(2);
  });
});

describe('following a request', () => {
  test('privacy:status with a request token returns the live status', async () => {
    const first = await newVisitor();
    const filed = await fileVerified(first.socket, 'access', 'alice@example.test');
    first.socket.close();

    const later = await newVisitor();
    const unknownToken = crypto.randomBytes(24).toString('base64url');
    const before = await ok(later.socket, VisitorEvent.privacyStatus, { requestTokens: [filed.requestToken, unknownToken] });
    expect(before.requests).toEqual([{ requestToken: filed.requestToken, request: filed.request }]);

    await act(filed.id, 'start');
    const after = await ok(later.socket, VisitorEvent.privacyStatus, { requestTokens: [filed.requestToken] });
    expect(after.requests[0].request.state).toBe('in_progress');

    // Asking for the status also subscribes to live updates.
    const update = next<VisitorRequestDto>(later.socket, VisitorPush.privacyUpdate, (r) => r.state === 'completed');
    await act(filed.id, 'complete');
    expect(await update).toMatchObject({ reference: filed.request.reference, state: 'completed' });
  });

  test('the visitor socket that verified a request receives privacy:update when the operator completes it', async () => {
    const { socket } = await newVisitor();
    const filed = await fileVerified(socket, 'rectification', 'alice@example.test');
    const started = next<VisitorRequestDto>(socket, VisitorPush.privacyUpdate, (r) => r.state === 'in_progress');
    await act(filed.id, 'start');
    expect(await started).toMatchObject({ reference: filed.request.reference, state: 'in_progress' });
    const completed = next<VisitorRequestDto>(socket, VisitorPush.privacyUpdate, (r) => r.state === 'completed');
    await act(filed.id, 'complete', { note: 'Address corrected' });
    const update = await completed;
    expect(update).toMatchObject({ reference: filed.request.reference, type: 'rectification', state: 'completed' });
    // What a visitor sees carries no contact data.
    expect(Object.keys(update)).not.toContain('email');
  });

  test('hello with request tokens subscribes a returning visitor to its requests', async () => {
    const first = await newVisitor();
    const filed = await fileVerified(first.socket, 'access', 'alice@example.test');
    const returning = track(visitorClient(t.url));
    await ok(returning, VisitorEvent.hello, { requestTokens: [filed.requestToken] });
    const update = next<VisitorRequestDto>(returning, VisitorPush.privacyUpdate, (r) => r.state === 'in_progress');
    await act(filed.id, 'start');
    expect(await update).toMatchObject({ reference: filed.request.reference });
  });
});

describe('requests filed by an operator', () => {
  test('the requester confirms through the mailed link, by POST only', async () => {
    const op = await operator();
    const filed = (await ok(op, OperatorEvent.privacyFile, { type: 'access', email: 'erin@example.test', name: 'Erin', lang: 'en' })).request;
    expect(filed).toMatchObject({ state: 'awaiting_verification', source: 'operator', email: 'erin@example.test' });

    const link = new URL(linkIn(await mailTo('erin@example.test', /confirm/i)));
    expect(link.origin).toBe(t.url);
    const secret = link.searchParams.get('t')!;
    expect(secret).toBeTruthy();

    // Following the link only shows a button: a mail scanner's prefetch verifies nothing.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect(requestRow(filed.id).state).toBe('awaiting_verification');

    const upsert = pushedRequest(op, (r) => r.id === filed.id && r.state === 'verified');
    const confirm = await fetch(`${link.origin}${link.pathname}`, { method: 'POST', body: new URLSearchParams({ t: secret }) });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain(filed.reference);
    expect(requestRow(filed.id)).toMatchObject({ state: 'verified', verified_at: clock.now() });
    expect(await upsert).toMatchObject({ state: 'verified' });

    const replay = await fetch(`${link.origin}${link.pathname}`, { method: 'POST', body: new URLSearchParams({ t: secret }) });
    expect(replay.status).toBe(410);
  });

  test('a link with the wrong secret does not verify', async () => {
    const op = await operator();
    const filed = (await ok(op, OperatorEvent.privacyFile, { type: 'erasure', email: 'erin@example.test', lang: 'en' })).request;
    const link = new URL(linkIn(await mailTo('erin@example.test', /confirm/i)));
    const res = await fetch(`${link.origin}${link.pathname}`, { method: 'POST', body: new URLSearchParams({ t: crypto.randomBytes(24).toString('base64url') }) });
    expect(res.status).toBe(410);
    expect(requestRow(filed.id).state).toBe('awaiting_verification');
  });
});

describe('REST API', () => {
  test('creating a request without an API key is 401', async () => {
    const res = await fetch(`${t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(rows(t.db, 'SELECT id FROM privacy_requests')).toEqual([]);

    const bogus = await fetch(`${t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer cwk_${crypto.randomBytes(32).toString('base64url')}` },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test' }),
    });
    expect(bogus.status).toBe(401);
  });

  test('with an admin-issued key a request is created (201) and can be read back by reference', async () => {
    const op = await operator();
    const { key, secret } = await ok(op, OperatorEvent.apiKeyCreate, { label: 'crm' });
    expect(key.label).toBe('crm');
    expect(rows(t.db, 'SELECT key_hash FROM api_keys')).toEqual([{ key_hash: sha256(secret) }]);
    const auth = { authorization: `Bearer ${secret}` };

    const created = await fetch(`${t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test', name: 'Frank' }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { ok: true; data: { request: { reference: string; state: string; type: string } } };
    expect(body.data.request).toMatchObject({ type: 'erasure', state: 'awaiting_verification', reference: expect.stringMatching(/^PR-\d{4}-\d{6}$/) });
    await mailTo('frank@example.test', /confirm/i);

    const read = await fetch(`${t.url}/api/v1/privacy-requests/${body.data.request.reference}`, { headers: auth });
    expect(read.status).toBe(200);
    const status = (await read.json()) as { ok: true; data: { request: Record<string, unknown> } };
    expect(status.data.request).toMatchObject({ reference: body.data.request.reference, source: 'api', state: 'awaiting_verification' });
    expect(status.data.request).not.toHaveProperty('email');
    expect(status.data.request).not.toHaveProperty('name');

    expect((await fetch(`${t.url}/api/v1/privacy-requests/${body.data.request.reference}`)).status).toBe(401);
    expect((await fetch(`${t.url}/api/v1/privacy-requests/PR-2026-999999`, { headers: auth })).status).toBe(404);

    // A revoked key stops working.
    await ok(op, OperatorEvent.apiKeyRevoke, { id: key.id });
    expect((await fetch(`${t.url}/api/v1/privacy-requests/${body.data.request.reference}`, { headers: auth })).status).toBe(401);
  });

  test('an API body with unknown fields is 400 invalid_payload', async () => {
    const { secret } = await ok(await operator(), OperatorEvent.apiKeyCreate, { label: 'crm' });
    const res = await fetch(`${t.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ type: 'erasure', email: 'frank@example.test', state: 'completed' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(rows(t.db, 'SELECT id FROM privacy_requests')).toEqual([]);
  });
});

describe('webhooks', () => {
  test('a request event is POSTed to the registered endpoint with a valid HMAC signature', async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    let wake: () => void = () => {};
    const hook = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
        wake();
      });
    });
    httpServers.push(hook);
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    const op = await operator();
    const { webhook, secret } = await ok(op, OperatorEvent.webhookCreate, { url: hookUrl });
    expect(webhook.url).toBe(hookUrl);

    const { socket } = await newVisitor();
    const filed = await fileVerified(socket, 'erasure', 'alice@example.test');

    const deadline = Date.now() + 15_000;
    while (!received.some((r) => r.headers['x-cw-event'] === 'privacy_request.verified')) {
      if (Date.now() > deadline) throw new Error('no webhook delivery within 15 s');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const delivery = received.find((r) => r.headers['x-cw-event'] === 'privacy_request.verified')!;
    expect(delivery.headers['content-type']).toMatch(/application\/json/);

    // Recompute the signature independently: HMAC-SHA256 over "<t>.<body>" with the endpoint's secret.
    const header = String(delivery.headers['x-cw-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const timestamp = match![1];
    const expected = crypto.createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`).digest('hex');
    expect(match![2]).toBe(expected);
    expect(Number(timestamp)).toBe(clock.now());
    // A different body would not carry this signature.
    expect(crypto.createHmac('sha256', secret).update(`${timestamp}.${delivery.body} `).digest('hex')).not.toBe(match![2]);

    const payload = JSON.parse(delivery.body) as { event: string; data: { reference: string; state: string; requesterHash: string } };
    expect(payload).toMatchObject({ event: 'privacy_request.verified', data: { reference: filed.request.reference, state: 'verified' } });
    expect(payload.data.requesterHash).toBe(keyedEmailHash('alice@example.test').toString('hex'));

    // The delivery is recorded as delivered.
    const pollDeadline = Date.now() + 15_000;
    for (;;) {
      const { webhooks } = await ok(op, OperatorEvent.webhookList, {});
      const recorded = webhooks[0].deliveries.find((d) => d.event === 'privacy_request.verified');
      if (recorded?.status === 'delivered') {
        expect(recorded.attempts).toBe(1);
        break;
      }
      if (Date.now() > pollDeadline) throw new Error(`delivery not marked delivered: ${JSON.stringify(recorded)}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
});

describe('request register export', () => {
  test('the CSV register needs an admin cookie and lists references without e-mail addresses', async () => {
    const { socket } = await newVisitor();
    const filed = await fileVerified(socket, 'access', 'alice@example.test', { name: 'Alice Liddell' });
    await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'bob@example.test' });

    const anonymous = await fetch(`${t.url}/api/admin/privacy-register.csv`);
    expect(anonymous.status).toBe(401);

    await t.app.services.auth.createOperator({ email: 'op@example.test', name: 'Op', role: 'operator', password: 'operator password 1' });
    const notAdmin = await fetch(`${t.url}/api/admin/privacy-register.csv`, { headers: { cookie: await signIn(t.url, 'op@example.test', 'operator password 1') } });
    expect(notAdmin.status).toBe(403);

    const res = await fetch(`${t.url}/api/admin/privacy-register.csv`, { headers: { cookie: await signIn(t.url) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const csv = await res.text();
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0].split(',')).toContain('reference');
    expect(lines).toHaveLength(3);
    expect(csv).toContain(filed.request.reference);
    expect(csv).not.toContain('@');
    expect(csv).not.toContain('Alice Liddell');
    expect(rows(t.db, `SELECT action FROM audit_log WHERE action = 'register exported'`)).toHaveLength(1);
  });

  test('a completed erasure has a destruction record with its event log, and no address in it', async () => {
    const { socket } = await newVisitor();
    await say(socket, 'please forget me');
    const { id, request } = await fileVerified(socket, 'erasure', 'alice@example.test');
    const cookie = await signIn(t.url);
    const url = `${t.url}/api/admin/privacy-requests/${id}/record.json`;

    const whileOpen = await fetch(url, { headers: { cookie } });
    expect(whileOpen.status).toBe(409);
    expect((await fetch(url)).status).toBe(401);

    await act(id, 'start');
    unwrap(await act(id, 'complete', { note: 'Invoices are kept for 5 years under tax law.' }));
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const record = JSON.parse(text) as { reference: string; result: Record<string, number>; retained: string; events: Array<{ action: string; actor: string }>; method: string };
    expect(record.reference).toBe(request.reference);
    expect(record.result).toMatchObject({ visitors: 1, conversations: 1, messages: 1 });
    expect(record.retained).toBe('Invoices are kept for 5 years under tax law.');
    expect(record.method).toMatch(/one transaction/);
    expect(record.events.map((e) => e.action)).toEqual(expect.arrayContaining(['received', 'verified', 'started', 'completed']));
    expect(record.events.find((e) => e.action === 'completed')!.actor).toMatch(/^operator #1/);
    expect(text).not.toContain('alice@example.test');
    expect(rows(t.db, `SELECT action FROM audit_log WHERE request_id = ? AND action = 'record exported'`, id)).toHaveLength(1);
  });
});

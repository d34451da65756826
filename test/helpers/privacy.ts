import { afterEach, beforeEach } from 'vitest';
import crypto from 'node:crypto';
import type { RequestType } from '../../shared/privacy';
import { OperatorEvent, OperatorPush, VisitorEvent } from '../../shared/protocol';
import type { PrivacyRequestDto } from '../../shared/types';
import { codeIn, type ReceivedMail } from './smtp';
import { signedInOperator, socketTracker, type SocketTracker } from './sockets';
import { call, next, ok, startTestApp, TestClock, visitorClient, type OperatorClient, type TestApp, type VisitorClient } from './test-app';

/** The subject of the mail that carries a verification code. */
export const CODE_MAIL = /verification code/i;

/** A plain SHA-256, as the server stores visitor tokens and API keys. */
export function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

/** A six-digit code that is surely not `code`. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** Whether `code` is stored anywhere as a value of its own (digits next to it mean it is part of something else, e.g. a timestamp). */
export function storesCode(value: unknown, code: string): boolean {
  const standalone = new RegExp(`(?<!\\d)${code}(?!\\d)`);
  if (typeof value === 'string') return standalone.test(value);
  // A code kept as a number would lose leading zeros; only six-digit numbers could be one.
  if (typeof value === 'number') return value >= 100_000 && value === Number(code);
  if (Buffer.isBuffer(value)) return value.includes(Buffer.from(code));
  return false;
}

/**
 * The steps privacy tests take against the app `app()` returns (read at each call, since suites start a
 * fresh app per test): visitors, an operator, mails, filing and acting on requests. Sockets go to
 * `sockets`; the operator socket is kept between calls until `forgetOperator()`.
 */
export function privacyHelpers(app: () => TestApp, sockets: SocketTracker) {
  let operatorSocket: OperatorClient | null = null;

  /** Waits for a mail to `to` with a subject matching `subject`, among those that arrived after `skip` mails to that address. */
  function mailTo(to: string, subject: RegExp, skip = 0): Promise<ReceivedMail> {
    const { smtp } = app();
    return smtp.waitFor(to, (mail) => smtp.mailsTo(to).indexOf(mail) >= skip && subject.test(mail.subject));
  }

  function requestIdOf(reference: string): number {
    return app().db.prepare('SELECT id FROM privacy_requests WHERE reference = ?').pluck().get(reference) as number;
  }

  async function startWithCode(socket: VisitorClient, type: RequestType, email: string, extra: { name?: string; details?: string } = {}) {
    const skip = app().smtp.mailsTo(email).length;
    const started = await ok(socket, VisitorEvent.privacyStart, { type, email, ...extra });
    if (started.status !== 'code_sent') throw new Error(`expected a code to be sent, got ${started.status}`);
    const code = codeIn(await mailTo(email, CODE_MAIL, skip));
    return { verificationId: started.verificationId, expiresAt: started.expiresAt, code };
  }

  /** The admin's operator socket, signed in on first use. */
  async function operator(): Promise<OperatorClient> {
    if (operatorSocket?.connected) return operatorSocket;
    operatorSocket = await signedInOperator(app().url, sockets);
    return operatorSocket;
  }

  return {
    mailTo,
    requestIdOf,
    startWithCode,
    operator,

    /** Closes the operator socket, so that the next `operator()` signs in afresh. */
    signOutOperator(): void {
      operatorSocket?.close();
      operatorSocket = null;
    },

    /** Drops the kept operator socket without closing it (for afterEach, once the sockets are closed, or after a restart). */
    forgetOperator(): void {
      operatorSocket = null;
    },

    /** A visitor that said hello, with its token and its row id. */
    async newVisitor(): Promise<{ socket: VisitorClient; token: string; visitorId: number }> {
      const t = app();
      const socket = sockets.track(visitorClient(t.url));
      const { token } = await ok(socket, VisitorEvent.hello, {});
      const visitorId = t.db.prepare('SELECT id FROM visitors WHERE token_hash = ?').pluck().get(sha256(token)) as number;
      return { socket, token, visitorId };
    },

    /** Files a request and verifies it with the mailed code; returns what privacy:verify answered and the request's row id. */
    async fileVerified(socket: VisitorClient, type: RequestType, email: string, extra: { name?: string; details?: string } = {}) {
      const { verificationId, code } = await startWithCode(socket, type, email, extra);
      const filed = await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
      const id = requestIdOf(filed.request.reference);
      return { ...filed, id };
    },

    /** The next request pushed to the console (in a `privacy:upserts` batch) that matches `match`. */
    async pushedRequest(console: OperatorClient, match: (request: PrivacyRequestDto) => boolean): Promise<PrivacyRequestDto> {
      const batch = await next<PrivacyRequestDto[]>(console, OperatorPush.privacyUpserts, (requests) => requests.some(match));
      return batch.find(match)!;
    },

    /** The request's stored row, every column. */
    requestRow(id: number): Record<string, unknown> {
      return app().db.prepare('SELECT * FROM privacy_requests WHERE id = ?').get(id) as Record<string, unknown>;
    },

    /** The admin acts on request `id`; resolves with the ack, whatever it says. */
    async act(id: number, action: 'start' | 'extend' | 'complete' | 'reject', extra: { reason?: string; note?: string } = {}) {
      return call(await operator(), OperatorEvent.privacyAct, { id, action, ...extra });
    },

    /** The address's keyed hash, as the server stores it in place of the address. */
    keyedEmailHash(email: string): Buffer {
      return crypto.createHmac('sha256', app().app.secrets.hmacKey).update(`email:${email}`).digest();
    },

    /** What a host site computes: HMAC-SHA256 of the e-mail under the shared identity secret, hex. */
    signatureFor(email: string): string {
      return crypto.createHmac('sha256', app().app.secrets.identitySecret).update(email).digest('hex');
    },
  };
}

/** What a privacy test file works on: this test's app and its clock (both new for every test). */
export interface PrivacySuite {
  t: TestApp;
  clock: TestClock;
}

/**
 * One privacy test file's set-up: a fresh app with a movable clock before each test; after it, its sockets
 * closed, `after` run, the app closed. A test may swap `s.t` for an app of its own (it is closed instead).
 */
export function privacySuite(after?: () => Promise<void>) {
  const s = {} as PrivacySuite;
  const sockets = socketTracker();
  const helpers = privacyHelpers(() => s.t, sockets);
  beforeEach(async () => {
    s.clock = new TestClock();
    s.t = await startTestApp({ clock: s.clock });
  });
  afterEach(async () => {
    sockets.closeAll();
    helpers.forgetOperator();
    await after?.();
    await s.t.close();
  });
  return { s, sockets, ...helpers };
}

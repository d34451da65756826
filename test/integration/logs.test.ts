import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { createLogger } from '../../server/platform/logger';
import { identitySignature } from '../../server/chat/visitor-service';
import {
  ADMIN,
  call,
  connected,
  ok,
  operatorClient,
  signIn,
  startTestApp,
  TestClock,
  visitorClient,
  type TestApp,
} from '../helpers/test-app';

/** A pino destination that keeps every line written to it. */
function captureLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

let t: TestApp | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await t?.close();
  t = undefined;
});

describe('structured logs', () => {
  test('redaction blanks addresses, message text, tokens, codes and secrets wherever a careless log line puts them', () => {
    const { lines, stream } = captureLines();
    const log = createLogger('trace', stream);
    log.info({ email: 'top@example.test', text: 'top level text', token: 'tok-top', code: '123456' }, 'first');
    log.warn(
      { visitor: { email: 'nested@example.test', token: 'tok-nested' }, message: { text: 'nested text', body: 'mail body' } },
      'second',
    );
    log.error(
      {
        payload: {
          input: { email: 'deep@example.test', code: '654321', secret: 'cwk_deep', password: 'hunter2', requestTokens: ['tok-deep'] },
        },
      },
      'third',
    );
    expect(lines).toHaveLength(3);
    const all = lines.join('\n');
    for (const secret of [
      'top@example.test',
      'top level text',
      'tok-top',
      '123456',
      'nested@example.test',
      'tok-nested',
      'nested text',
      'mail body',
      'deep@example.test',
      '654321',
      'cwk_deep',
      'hunter2',
      'tok-deep',
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(13);
    // The rest of each line survives.
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['first', 'second', 'third']);
  });

  test('a whole chat and privacy flow at trace level logs no message text, e-mail, token, code or secret', async () => {
    const { lines, stream } = captureLines();
    const clock = new TestClock();
    // Dev outbox (no SMTP): the mailer's log line is part of the flow, and codes come from the outbox.
    t = await startTestApp({ clock, env: { SMTP_URL: '', TRUST_PROXY: 'loopback' }, log: createLogger('trace', stream) });
    const app = t;
    const secrets: string[] = [];
    const track = <S extends Socket>(s: S): S => {
      sockets.push(s);
      return s;
    };
    const outboxMail = async (to: string, subject: RegExp): Promise<string> => {
      await app.app.services.mail.idle();
      const rows = app.db.prepare('SELECT subject, body FROM mail_outbox WHERE to_address = ? ORDER BY id DESC').all(to) as Array<{
        subject: string;
        body: string;
      }>;
      return rows.find((r) => subject.test(r.subject))!.body;
    };

    // An operator signs in (and someone fails to, with a guessed password).
    expect(
      (
        await fetch(`${app.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: ADMIN.email, password: 'guessed-password-1' }),
        })
      ).status,
    ).toBe(401);
    const cookie = await signIn(app.url);
    secrets.push(ADMIN.email, ADMIN.password, 'guessed-password-1', cookie.split('=')[1]);
    const op = track(operatorClient(app.url, cookie));
    await connected(op);

    // A visitor chats; the operator answers.
    const visitor = track(visitorClient(app.url));
    const { token } = await ok(visitor, VisitorEvent.hello, {
      page: { url: 'https://shop.example.test/cart?coupon=PRIVATE-COUPON', title: 'Cart of Lena' },
    });
    secrets.push(token, 'PRIVATE-COUPON', 'Cart of Lena');
    const question = `My order number is 44-${crypto.randomInt(1e6)} and I live on Birch Street`;
    const sent = await call(visitor, VisitorEvent.messageSend, { clientId: 'log-test-message-1', text: question });
    if (!sent.ok) throw new Error('send failed');
    const reply = 'We will look at Birch Street deliveries right away';
    expect(
      (
        await call(op, OperatorEvent.messageSend, {
          conversationId: sent.data.message.conversationId,
          clientId: 'log-test-reply-1',
          text: reply,
        })
      ).ok,
    ).toBe(true);
    secrets.push(question, reply);

    // The host site identifies the visitor.
    const identified = 'lena.identified@example.test';
    const signature = identitySignature(app.app.secrets.identitySecret, identified);
    await ok(visitor, VisitorEvent.identify, { email: identified, name: 'Lena Birch', signature });
    secrets.push(identified, signature, 'Lena Birch');

    // An access request with a code: one wrong try, then the right one.
    const email = 'lena.requester@example.test';
    const started = await ok(visitor, VisitorEvent.privacyStart, {
      type: 'access',
      email,
      name: 'Lena R.',
      details: 'Please include my Birch Street orders',
    });
    if (started.status !== 'code_sent') throw new Error('expected a code');
    const code = /\b(\d{6})\b/.exec(await outboxMail(email, /code/i))![1];
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(await call(visitor, VisitorEvent.privacyVerify, { verificationId: started.verificationId, code: wrong })).toMatchObject({
      ok: false,
      error: { code: 'invalid_code' },
    });
    const filed = await ok(visitor, VisitorEvent.privacyVerify, { verificationId: started.verificationId, code });
    secrets.push(email, code, wrong, started.verificationId, filed.requestToken, 'Please include my Birch Street orders');

    // The operator views and completes it; the requester downloads the export once, then the link is spent.
    const id = app.db.prepare('SELECT id FROM privacy_requests WHERE reference = ?').pluck().get(filed.request.reference) as number;
    await ok(op, OperatorEvent.privacyGet, { id });
    await ok(op, OperatorEvent.privacyAct, { id, action: 'start' });
    await ok(op, OperatorEvent.privacyAct, { id, action: 'complete' });
    const exportUrl = /(http\S+\/privacy\/export\/\S+)/.exec(await outboxMail(email, /ready/i))![1];
    secrets.push(exportUrl.split('/').pop()!);
    expect((await fetch(exportUrl)).status).toBe(200);
    expect((await fetch(exportUrl)).status).toBe(410);

    // Automation: an API key files a request by e-mail link.
    const { secret: apiKey } = await ok(op, OperatorEvent.apiKeyCreate, { label: 'crm' });
    const apiEmail = 'via.api@example.test';
    const created = await fetch(`${app.url}/api/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ type: 'erasure', email: apiEmail }),
    });
    expect(created.status).toBe(201);
    const link = /(http\S+\/privacy\/verify\/\S+)/.exec(await outboxMail(apiEmail, /confirm/i))![1];
    secrets.push(apiKey, apiEmail, new URL(link).searchParams.get('t')!, new URL(link).pathname.split('/').pop()!);
    // A refused API call with a bad body quoting an address.
    expect(
      (
        await fetch(`${app.url}/api/v1/privacy-requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ type: 'erasure', email: 'refused.body@example.test', extra: 1 }),
        })
      ).status,
    ).toBe(400);
    secrets.push('refused.body@example.test');

    // Someone hammers a sign-in until the account locks: a warning names the network, cut to its /24.
    for (let i = 0; i < 6; i++)
      await fetch(`${app.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'target@example.test', password: `try-${i}-secret` }),
      });
    secrets.push('target@example.test', 'try-5-secret');

    // Retention runs and deletes the dev outbox a week later.
    clock.advance(8 * 24 * 60 * 60 * 1000);
    await app.app.services.retention.run();
    await app.app.services.mail.idle();

    const all = lines.join('\n');
    // The flow did log: mail arrivals, refusals, the retention run.
    expect(lines.some((l) => /dev outbox/.test(l))).toBe(true);
    expect(lines.some((l) => /"errorCode":"invalid_code"/.test(l))).toBe(true);
    expect(lines.some((l) => /"route":"\/privacy-requests","errorCode":"invalid_payload"/.test(l))).toBe(true);
    expect(lines.some((l) => /retention: deleted/.test(l))).toBe(true);
    expect(lines.some((l) => /"network":"127\.0\.0\.0\/24".*"msg":"rate limited"/.test(l))).toBe(true);
    for (const secret of secrets) expect(all, `the log contains ${secret}`).not.toContain(secret);
    // Nor any e-mail address at all, nor any IP address.
    expect(all).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
    expect(all).not.toMatch(/\b127\.0\.0\.1\b|::ffff:/);
  });
});

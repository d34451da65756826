import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { Ack } from '../../shared/errors';
import { VisitorEvent, type PrivacyStartResult } from '../../shared/protocol';
import { allStoredValues, rows } from '../helpers/db-snapshot';
import { CODE_MAIL, otherCode, privacySuite, sha256, storesCode } from '../helpers/privacy';
import { codeIn } from '../helpers/smtp';
import { errorCode, say, unwrap } from '../helpers/sockets';
import { call, ok } from '../helpers/test-app';

// Privacy requests filed in the chat: the e-mailed code, its send limits, and visitors the site already identified.

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

const { s, newVisitor, operator, mailTo, startWithCode, pushedRequest, requestRow, keyedEmailHash, signatureFor } = privacySuite();

describe('verification codes', () => {
  test('the code is six digits from the mail and stored only as a keyed HMAC', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'erasure', 'alice@example.test');
    expect(code).toMatch(/^\d{6}$/);

    const stored = s.t.db.prepare('SELECT secret_hash FROM verifications WHERE id = ?').pluck().get(verificationId) as Buffer;
    expect(stored).toBeInstanceOf(Buffer);
    expect(stored.equals(Buffer.from(code))).toBe(false);
    // Not a plain hash an attacker could invert by trying all million codes…
    expect(stored.equals(sha256(code))).toBe(false);
    // …but an HMAC under the server's key, bound to this verification.
    expect(
      stored.equals(crypto.createHmac('sha256', s.t.app.secrets.hmacKey).update(`verification:${verificationId}:${code}`).digest()),
    ).toBe(true);
    expect(allStoredValues(s.t.db).some((value) => storesCode(value, code))).toBe(false);

    const filed = await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(filed.request).toMatchObject({ type: 'erasure', state: 'verified', reference: expect.stringMatching(/^PR-\d{4}-\d{6}$/) });
    expect(filed.alreadyOpen).toBe(false);
    expect(allStoredValues(s.t.db).some((value) => storesCode(value, code))).toBe(false);
  });

  test('a code works until ten minutes have passed', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code, expiresAt } = await startWithCode(socket, 'access', 'alice@example.test');
    expect(expiresAt).toBe(s.clock.now() + 10 * MINUTE);
    s.clock.advance(10 * MINUTE - 1);
    expect(await ok(socket, VisitorEvent.privacyVerify, { verificationId, code })).toMatchObject({ request: { state: 'verified' } });
  });

  test('a code is refused ten minutes and a millisecond after it was sent', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'access', 'alice@example.test');
    s.clock.advance(10 * MINUTE + 1);
    expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code }))).toBe('code_expired');
    expect(requestRow(1)).toMatchObject({ state: 'awaiting_verification', verified_at: null });
  });

  test('an expired code can be replaced by a resend, and only the new code works', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code: oldCode } = await startWithCode(socket, 'access', 'alice@example.test');
    s.clock.advance(11 * MINUTE);
    const skip = s.t.smtp.mailsTo('alice@example.test').length;
    const resent = await ok(socket, VisitorEvent.privacyResend, { verificationId });
    expect(resent.expiresAt).toBe(s.clock.now() + 10 * MINUTE);
    const newCode = codeIn(await mailTo('alice@example.test', CODE_MAIL, skip));
    if (newCode !== oldCode) {
      expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code: oldCode }))).toBe('invalid_code');
    }
    expect(await ok(socket, VisitorEvent.privacyVerify, { verificationId, code: newCode })).toMatchObject({
      request: { state: 'verified' },
    });
  });

  test('a code works once', async () => {
    const { socket } = await newVisitor();
    const { verificationId, code } = await startWithCode(socket, 'access', 'alice@example.test');
    await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    const again = await call(socket, VisitorEvent.privacyVerify, { verificationId, code });
    expect(['code_expired', 'invalid_state']).toContain(errorCode(again));
    // Still exactly one verified request, and no duplicate was filed by the replay.
    expect(rows(s.t.db, 'SELECT state FROM privacy_requests')).toEqual([{ state: 'verified' }]);
  });

  test('a code is bound to its own request', async () => {
    const { socket } = await newVisitor();
    const first = await startWithCode(socket, 'erasure', 'alice@example.test');
    let second = await startWithCode(socket, 'erasure', 'bob@example.test');
    // Make sure the two codes differ (one chance in a million that they do not).
    while (second.code === first.code) {
      const skip = s.t.smtp.mailsTo('bob@example.test').length;
      await ok(socket, VisitorEvent.privacyResend, { verificationId: second.verificationId });
      second = { ...second, code: codeIn(await mailTo('bob@example.test', CODE_MAIL, skip)) };
    }

    const crossed = await call(socket, VisitorEvent.privacyVerify, { verificationId: second.verificationId, code: first.code });
    expect(errorCode(crossed)).toBe('invalid_code');
    expect(rows(s.t.db, 'SELECT state FROM privacy_requests ORDER BY id')).toEqual([
      { state: 'awaiting_verification' },
      { state: 'awaiting_verification' },
    ]);
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
    const before = s.t.app.writerStats.writes;
    const received = pushedRequest(console, (r) => r.state === 'awaiting_verification');
    const { verificationId, code } = await startWithCode(socket, 'access', 'carol@example.test');
    const pushed = await received;
    expect(rows(s.t.db, 'SELECT state FROM privacy_requests WHERE id = ?', pushed.id)).toEqual([{ state: 'awaiting_verification' }]);
    expect(errorCode(await call(socket, VisitorEvent.privacyVerify, { verificationId, code: otherCode(code) }))).toBe('invalid_code');
    expect(rows(s.t.db, 'SELECT attempts FROM verifications WHERE id = ?', verificationId)).toEqual([{ attempts: 1 }]);
    const verified = pushedRequest(console, (r) => r.id === pushed.id && r.state === 'verified');
    await ok(socket, VisitorEvent.privacyVerify, { verificationId, code });
    await verified;
    expect(s.t.app.writerStats.writes - before).toBe(3);
  });

  test('an unknown verification id is refused like a wrong code', async () => {
    const { socket } = await newVisitor();
    const ack = await call(socket, VisitorEvent.privacyVerify, {
      verificationId: crypto.randomBytes(18).toString('base64url'),
      code: '123456',
    });
    expect(errorCode(ack)).toBe('invalid_code');
  });
});

describe('verification send limits', () => {
  test('a fourth privacy:start for the same address within an hour is rate_limited, and allowed an hour later', async () => {
    const { socket } = await newVisitor();
    for (let i = 0; i < 3; i++) {
      expect(await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' })).toMatchObject({
        status: 'code_sent',
      });
    }
    const fourth = await call(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' });
    expect(errorCode(fourth)).toBe('rate_limited');
    expect(rows(s.t.db, 'SELECT id FROM privacy_requests')).toHaveLength(3);
    // The address is normalised before counting: a different spelling is the same address.
    expect(errorCode(await call(socket, VisitorEvent.privacyStart, { type: 'access', email: ' Alice@Example.TEST ' }))).toBe(
      'rate_limited',
    );
    // Another address is not affected.
    expect(await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'bob@example.test' })).toMatchObject({
      status: 'code_sent',
    });

    s.clock.advance(HOUR);
    expect(await ok(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' })).toMatchObject({
      status: 'code_sent',
    });
  });

  test('resends count towards the same limit of three sends per address per hour', async () => {
    const { socket } = await newVisitor();
    const { verificationId } = await startWithCode(socket, 'access', 'alice@example.test');
    await ok(socket, VisitorEvent.privacyResend, { verificationId });
    await ok(socket, VisitorEvent.privacyResend, { verificationId });
    expect(errorCode(await call(socket, VisitorEvent.privacyResend, { verificationId }))).toBe('rate_limited');
    expect(errorCode(await call(socket, VisitorEvent.privacyStart, { type: 'erasure', email: 'alice@example.test' }))).toBe('rate_limited');

    s.clock.advance(HOUR);
    // All three earlier code mails are in before the next one is told apart from them.
    await mailTo('alice@example.test', CODE_MAIL, 2);
    const skip = s.t.smtp.mailsTo('alice@example.test').length;
    expect(skip).toBe(3);
    await ok(socket, VisitorEvent.privacyResend, { verificationId });
    const code = codeIn(await mailTo('alice@example.test', CODE_MAIL, skip));
    expect(await ok(socket, VisitorEvent.privacyVerify, { verificationId, code })).toMatchObject({ request: { state: 'verified' } });
  });

  test('one network gets at most ten code sends an hour', async () => {
    const { socket } = await newVisitor();
    for (let i = 1; i <= 10; i++) {
      expect(await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: `person${i}@example.test` })).toMatchObject({
        status: 'code_sent',
      });
    }
    // A fresh address, from another visitor on the same network: still refused.
    const { socket: neighbour } = await newVisitor();
    expect(errorCode(await call(neighbour, VisitorEvent.privacyStart, { type: 'access', email: 'person11@example.test' }))).toBe(
      'rate_limited',
    );
    expect(rows(s.t.db, 'SELECT id FROM privacy_requests')).toHaveLength(10);
    expect(rows(s.t.db, 'SELECT id FROM privacy_requests WHERE email_hash = ?', keyedEmailHash('person11@example.test'))).toEqual([]);

    s.clock.advance(HOUR);
    expect(await ok(neighbour, VisitorEvent.privacyStart, { type: 'access', email: 'person11@example.test' })).toMatchObject({
      status: 'code_sent',
    });
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
      return {
        keys: Object.keys(data).sort(),
        status: data.status,
        idLength: data.verificationId.length,
        ttl: data.expiresAt - s.clock.now(),
      };
    };
    expect(shape(forKnown)).toEqual(shape(forUnknown));
    expect(shape(forKnown).status).toBe('code_sent');
    // Both addresses get a code, so the mailbox does not tell either.
    await mailTo('known@example.test', CODE_MAIL);
    await mailTo('unknown@example.test', CODE_MAIL);
  });
});

describe('visitors identified by the site', () => {
  test('an identified visitor files without a code', async () => {
    const { socket } = await newVisitor();
    expect(
      await ok(socket, VisitorEvent.identify, {
        email: 'carol@example.test',
        name: 'Carol',
        signature: signatureFor('carol@example.test'),
      }),
    ).toEqual({ identified: true });
    const started = await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'carol@example.test' });
    expect(started.status).toBe('filed');
    if (started.status !== 'filed') return;
    expect(started.request).toMatchObject({ type: 'access', state: 'verified' });
    expect(started.alreadyOpen).toBe(false);
    expect(started.requestToken).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(rows(s.t.db, 'SELECT id FROM verifications')).toEqual([]);
    // The requester is told the request is in, not sent a code.
    await mailTo('carol@example.test', /received/i);
    expect(s.t.smtp.mailsTo('carol@example.test').some((m) => CODE_MAIL.test(m.subject))).toBe(false);
  });

  test('requests that send no code do not count against the network: identified visitors file past ten an hour', async () => {
    for (let i = 1; i <= 11; i++) {
      const { socket } = await newVisitor();
      const email = `staff${i}@example.test`;
      await ok(socket, VisitorEvent.identify, { email, signature: signatureFor(email) });
      expect((await ok(socket, VisitorEvent.privacyStart, { type: 'access', email })).status).toBe('filed');
    }
    // The network's ten code sends are all still there.
    const { socket } = await newVisitor();
    for (let i = 1; i <= 10; i++) {
      expect((await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: `person${i}@example.test` })).status).toBe('code_sent');
    }
    expect(errorCode(await call(socket, VisitorEvent.privacyStart, { type: 'access', email: 'person11@example.test' }))).toBe(
      'rate_limited',
    );
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
    expect(
      errorCode(await call(socket, VisitorEvent.identify, { email: 'carol@example.test', signature: signatureFor('dave@example.test') })),
    ).toBe('forbidden');
    expect(rows(s.t.db, 'SELECT email, email_verified FROM visitors WHERE id = ?', visitorId)).toEqual([
      { email: null, email_verified: 0 },
    ]);
    expect((await ok(socket, VisitorEvent.privacyStart, { type: 'access', email: 'carol@example.test' })).status).toBe('code_sent');
  });
});

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { VisitorEvent } from '../../shared/protocol';
import { codeIn } from '../helpers/smtp';
import { socketTracker } from '../helpers/sockets';
import { call, ok, startTestApp, visitorClient, type TestApp, type VisitorClient } from '../helpers/test-app';

let t: TestApp;
const sockets = socketTracker();

beforeEach(async () => {
  t = await startTestApp();
});

afterEach(async () => {
  sockets.closeAll();
  await t.close();
});

async function visitor(): Promise<VisitorClient> {
  const socket = sockets.track(visitorClient(t.url));
  await ok(socket, VisitorEvent.hello, {});
  return socket;
}

describe('a chat code belongs to the chat that asked for it', () => {
  test('another visitor holding the verification id can neither use the code, nor burn its tries, nor have it resent', async () => {
    const alice = await visitor();
    const mallory = await visitor();
    const email = 'alice.isolated@example.test';
    const started = await ok(alice, VisitorEvent.privacyStart, { type: 'erasure', email });
    if (started.status !== 'code_sent') throw new Error('expected a code');
    const code = codeIn(await t.smtp.waitFor(email, () => true));
    const verification = () =>
      t.db.prepare('SELECT attempts, sends, consumed_at FROM verifications WHERE id = ?').get(started.verificationId);
    const before = verification();

    for (const attempt of [code, '000000', '123456']) {
      expect(await call(mallory, VisitorEvent.privacyVerify, { verificationId: started.verificationId, code: attempt })).toEqual({
        ok: false,
        error: { code: 'invalid_code', message: 'That code is not right.' },
      });
    }
    expect(await call(mallory, VisitorEvent.privacyResend, { verificationId: started.verificationId })).toMatchObject({
      ok: false,
      error: { code: 'invalid_code' },
    });
    expect(verification()).toEqual(before);
    expect(t.smtp.mailsTo(email)).toHaveLength(1);
    expect(t.db.prepare('SELECT state FROM privacy_requests').pluck().all()).toEqual(['awaiting_verification']);

    // Alice's code still works, in Alice's chat.
    const filed = await ok(alice, VisitorEvent.privacyVerify, { verificationId: started.verificationId, code });
    expect(filed.request.state).toBe('verified');
  });

  test('an unknown verification id gets the same answer', async () => {
    const someone = await visitor();
    expect(await call(someone, VisitorEvent.privacyVerify, { verificationId: 'A'.repeat(24), code: '123456' })).toEqual({
      ok: false,
      error: { code: 'invalid_code', message: 'That code is not right.' },
    });
  });
});

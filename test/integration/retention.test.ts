import { afterEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { EXPORT_TTL_MS } from '../../server/privacy/request-execution';
import { OUTBOX_RETENTION_MS, VERIFICATION_GRACE_MS } from '../../server/retention/retention-service';
import { CODE_TTL_MS } from '../../server/privacy/verification-service';
import { say, signedInOperator, socketTracker } from '../helpers/sockets';
import { waitFor } from '../helpers/durable-clients';
import { openDatabase } from '../../server/db/open';
import { ok, startTestApp, TestClock, visitorClient, type OperatorClient, type TestApp, type VisitorClient } from '../helpers/test-app';

const DAY = 24 * 60 * 60 * 1000;

let t: TestApp;
let clock: TestClock;
const sockets = socketTracker();

afterEach(async () => {
  sockets.closeAll();
  await t?.close();
});

/** The app with mail going to the dev outbox, on a clock the test moves. */
async function start(env: Record<string, string> = {}): Promise<void> {
  clock = new TestClock();
  t = await startTestApp({ clock, env: { SMTP_URL: '', ...env } });
}

function count(sql: string, ...params: unknown[]): number {
  return t.db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

async function visitorWithMessage(): Promise<{ socket: VisitorClient; token: string; conversationId: string }> {
  const socket = sockets.track(visitorClient(t.url));
  const { token } = await ok(socket, VisitorEvent.hello, {});
  const conversationId = await say(socket, 'hello there');
  return { socket, token, conversationId };
}

function operator(): Promise<OperatorClient> {
  return signedInOperator(t.url, sockets);
}

function visitorExists(conversationId: string): { conversation: boolean; messages: number } {
  return {
    conversation: count('SELECT count(*) FROM conversations WHERE public_id = ?', conversationId) === 1,
    messages: count(
      'SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.public_id = ?',
      conversationId,
    ),
  };
}

/** The latest code mailed to `email`, read from the dev outbox. */
async function codeFor(email: string): Promise<string> {
  await t.app.services.mail.idle();
  const body = t.db.prepare('SELECT body FROM mail_outbox WHERE to_address = ? ORDER BY id DESC LIMIT 1').pluck().get(email) as string;
  return /\b(\d{6})\b/.exec(body)![1];
}

describe('retention', () => {
  test('a resolved conversation is deleted with its messages once RETENTION_DAYS (365 by default) have passed, an open one is kept', async () => {
    await start();
    const op = await operator();
    const resolved = await visitorWithMessage();
    const open = await visitorWithMessage();
    await ok(op, OperatorEvent.conversationResolve, { conversationId: resolved.conversationId });

    clock.advance(365 * DAY);
    expect(await t.app.services.retention.run()).toMatchObject({ conversations: 0, messages: 0 });
    expect(visitorExists(resolved.conversationId)).toEqual({ conversation: true, messages: 1 });

    clock.advance(1);
    expect(await t.app.services.retention.run()).toMatchObject({ conversations: 1, messages: 1 });
    expect(visitorExists(resolved.conversationId)).toEqual({ conversation: false, messages: 0 });
    expect(visitorExists(open.conversationId)).toEqual({ conversation: true, messages: 1 });
  });

  test('the period counts from the last activity: a conversation reopened by a new message is not deleted', async () => {
    await start();
    const op = await operator();
    const visitor = await visitorWithMessage();
    await ok(op, OperatorEvent.conversationResolve, { conversationId: visitor.conversationId });
    clock.advance(200 * DAY);
    await say(visitor.socket, 'I am back');
    clock.advance(200 * DAY);
    await t.app.services.retention.run();
    expect(visitorExists(visitor.conversationId)).toEqual({ conversation: true, messages: 2 });
  });

  test('RETENTION_DAYS is configurable', async () => {
    await start({ RETENTION_DAYS: '30' });
    const op = await operator();
    const visitor = await visitorWithMessage();
    await ok(op, OperatorEvent.conversationResolve, { conversationId: visitor.conversationId });
    clock.advance(30 * DAY);
    await t.app.services.retention.run();
    expect(visitorExists(visitor.conversationId).conversation).toBe(true);
    clock.advance(1);
    await t.app.services.retention.run();
    expect(visitorExists(visitor.conversationId).conversation).toBe(false);
  });

  test('a visitor left with no conversation and not seen within the period is deleted; one seen recently is kept', async () => {
    await start();
    const op = await operator();
    const gone = await visitorWithMessage();
    const returning = await visitorWithMessage();
    const silent = sockets.track(visitorClient(t.url));
    await ok(silent, VisitorEvent.hello, {});
    for (const v of [gone, returning]) await ok(op, OperatorEvent.conversationResolve, { conversationId: v.conversationId });
    expect(count('SELECT count(*) FROM visitors')).toBe(3);

    clock.advance(300 * DAY);
    await ok(returning.socket, VisitorEvent.hello, { token: returning.token });
    clock.advance(65 * DAY + 1);
    expect(await t.app.services.retention.run()).toMatchObject({ conversations: 2, visitors: 2 });
    expect(count('SELECT count(*) FROM visitors')).toBe(1);
    // The returning visitor keeps their token and starts afresh.
    const again = await ok(returning.socket, VisitorEvent.hello, { token: returning.token });
    expect(again).toMatchObject({ token: returning.token, conversation: null, messages: [] });
  });

  test('an expired verification is deleted a day after it expired, and the send log after a day', async () => {
    await start();
    const visitor = sockets.track(visitorClient(t.url));
    await ok(visitor, VisitorEvent.hello, {});
    await ok(visitor, VisitorEvent.privacyStart, { type: 'erasure', email: 'vera@example.test' });
    expect(count('SELECT count(*) FROM verifications')).toBe(1);

    clock.advance(CODE_TTL_MS + VERIFICATION_GRACE_MS);
    // The send log (needed for an hour) is a day old by now; the verification expired exactly a day ago.
    expect(await t.app.services.retention.run()).toMatchObject({ verifications: 0, verificationSends: 1 });
    clock.advance(1);
    expect(await t.app.services.retention.run()).toMatchObject({ verifications: 1 });
    expect(count('SELECT count(*) FROM verifications')).toBe(0);
    expect(count('SELECT count(*) FROM verification_sends')).toBe(0);
    // The request itself is not the retention job's to delete: it expires unverified by its own rule.
    expect(count('SELECT count(*) FROM privacy_requests')).toBe(1);
  });

  test('dev outbox mail is deleted after 7 days', async () => {
    await start();
    const visitor = sockets.track(visitorClient(t.url));
    await ok(visitor, VisitorEvent.hello, {});
    await ok(visitor, VisitorEvent.privacyStart, { type: 'access', email: 'olga@example.test' });
    await t.app.services.mail.idle();
    expect(count('SELECT count(*) FROM mail_outbox')).toBe(1);

    clock.advance(OUTBOX_RETENTION_MS);
    expect(await t.app.services.retention.run()).toMatchObject({ outboxMails: 0 });
    clock.advance(1);
    expect(await t.app.services.retention.run()).toMatchObject({ outboxMails: 1 });
    expect(count('SELECT count(*) FROM mail_outbox')).toBe(0);
  });

  test('an access export is deleted once its link has expired', async () => {
    await start();
    const op = await operator();
    const visitor = sockets.track(visitorClient(t.url));
    await ok(visitor, VisitorEvent.hello, {});
    const started = await ok(visitor, VisitorEvent.privacyStart, { type: 'access', email: 'ada@example.test' });
    if (started.status !== 'code_sent') throw new Error('expected a code');
    const filed = await ok(visitor, VisitorEvent.privacyVerify, {
      verificationId: started.verificationId,
      code: await codeFor('ada@example.test'),
    });
    const id = t.db.prepare('SELECT id FROM privacy_requests WHERE reference = ?').pluck().get(filed.request.reference) as number;
    await ok(op, OperatorEvent.privacyAct, { id, action: 'start' });
    await ok(op, OperatorEvent.privacyAct, { id, action: 'complete' });
    expect(count('SELECT count(*) FROM data_exports')).toBe(1);

    clock.advance(EXPORT_TTL_MS);
    expect(await t.app.services.retention.run()).toMatchObject({ exports: 0 });
    clock.advance(1);
    expect(await t.app.services.retention.run()).toMatchObject({ exports: 1 });
    expect(count('SELECT count(*) FROM data_exports')).toBe(0);
  });

  test('the job runs when the server starts listening', async () => {
    await start();
    const visitor = sockets.track(visitorClient(t.url));
    await ok(visitor, VisitorEvent.hello, {});
    await ok(visitor, VisitorEvent.privacyStart, { type: 'access', email: 'sam@example.test' });
    await t.app.services.mail.idle();
    clock.advance(OUTBOX_RETENTION_MS + 1);
    // A second server on the same database: listening runs the job at once, before its first hour.
    const { startApp } = await import('../../server/app');
    const db = openDatabase(t.config.databasePath);
    const again = await startApp({ config: t.config, db, clock, port: 0, host: '127.0.0.1' });
    try {
      await waitFor(() => count('SELECT count(*) FROM mail_outbox') === 0, 'the outbox swept at start');
      expect(count('SELECT count(*) FROM mail_outbox')).toBe(0);
    } finally {
      await again.close();
      db.close();
    }
  });

  test('RETENTION_DAYS must be a whole number of days', async () => {
    const { loadConfig } = await import('../../server/config');
    expect(() => loadConfig({ RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
    expect(() => loadConfig({ RETENTION_DAYS: 'forever' })).toThrow(/RETENTION_DAYS/);
    expect(loadConfig({}).retentionDays).toBe(365);
    expect(loadConfig({ RETENTION_DAYS: '90' }).retentionDays).toBe(90);
  });
});

import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OperatorEvent } from '../../shared/protocol';
import { MAILS_PER_SENDER_PER_HOUR } from '../../server/privacy/mail-intake';
import { privacyHelpers } from '../helpers/privacy';
import { linkIn, type ReceivedMail } from '../helpers/smtp';
import { errorCode, socketTracker } from '../helpers/sockets';
import { call, ok, startTestApp, TestClock, type TestApp } from '../helpers/test-app';

// Requests that arrive as mail to the privacy address: through the SMTP listener (a real nodemailer
// client on loopback) and through the providers' webhook.

const PRIVACY = 'privacy@shop.test';
const SECRET = 'inbound-secret-for-tests-0123456789';
const MAX_KB = 64;

let t: TestApp;
let clock: TestClock;
const sockets = socketTracker();
const { operator, mailTo, requestRow, act, pushedRequest, forgetOperator } = privacyHelpers(() => t, sockets);

beforeEach(async () => {
  clock = new TestClock();
  t = await startTestApp({
    clock,
    env: {
      MAIL_FROM: `Privacy desk <${PRIVACY}>`,
      INBOUND_SMTP_PORT: '0',
      INBOUND_SMTP_HOST: '127.0.0.1',
      INBOUND_MAIL_SECRET: SECRET,
      INBOUND_MAIL_MAX_KB: String(MAX_KB),
    },
  });
});

afterEach(async () => {
  sockets.closeAll();
  forgetOperator();
  await t.close();
});

/** Sends `mail` to the listener as a mail server would; resolves when the listener answered 250. */
async function smtpSend(mail: Mail.Options): Promise<void> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: t.app.inboundSmtpPort!, secure: false, ignoreTLS: true });
  try {
    await client.sendMail({ to: PRIVACY, ...mail });
  } finally {
    client.close();
  }
}

/** The SMTP reply code a refused mail got. */
async function smtpRefusal(mail: Mail.Options): Promise<number | undefined> {
  try {
    await smtpSend(mail);
  } catch (error) {
    return (error as { responseCode?: number }).responseCode;
  }
  throw new Error('the mail was accepted');
}

/** The raw MIME nodemailer makes of `mail`. */
async function mime(mail: Mail.Options): Promise<Buffer> {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await composer.sendMail({ to: PRIVACY, ...mail });
  return info.message as Buffer;
}

/** Posts raw MIME to the webhook with `secret` as the bearer token. */
async function webhook(body: Buffer | string, secret: string | null = SECRET, contentType = 'message/rfc822'): Promise<Response> {
  return fetch(`${t.url}/api/inbound/mail`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

function requests(): Array<Record<string, unknown>> {
  return t.db.prepare('SELECT * FROM privacy_requests ORDER BY id').all() as Array<Record<string, unknown>>;
}

function threadOf(requestId: number): Array<{ direction: string; kind: string; subject: string; body: string }> {
  return t.db
    .prepare('SELECT direction, kind, subject, body FROM privacy_request_messages WHERE request_id = ? ORDER BY id')
    .all(requestId) as Array<{ direction: string; kind: string; subject: string; body: string }>;
}

/** A raw header of a caught mail, unfolded. */
function headerOf(mail: ReceivedMail, name: string): string | null {
  const head = mail.raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1].trim() ?? null;
}

/** Follows a verification link as the requester does: the page, then its button (a POST). */
async function confirmLink(mail: ReceivedMail): Promise<Response> {
  const link = new URL(linkIn(mail));
  return fetch(`${link.origin}${link.pathname}`, { method: 'POST', body: new URLSearchParams({ t: link.searchParams.get('t')! }) });
}

describe('a mail to the privacy address', () => {
  test('over SMTP becomes an erasure request; the sender confirms through the mailed link and the request is verified', async () => {
    await smtpSend({
      from: 'Kim Lee <kim@example.test>',
      subject: 'My account',
      text: 'Hello, please delete all my personal data.\n\nKim',
    });
    const [row] = requests();
    expect(row).toMatchObject({
      type: 'erasure',
      source: 'email',
      state: 'awaiting_verification',
      email: 'kim@example.test',
      name: 'Kim Lee',
    });
    expect(row.lang).toBe('en');
    expect(threadOf(row.id as number)).toEqual([
      { direction: 'in', kind: 'request', subject: 'My account', body: 'Hello, please delete all my personal data.\n\nKim' },
    ]);

    const linkMail = await mailTo('kim@example.test', /confirm/i);
    expect(linkMail.subject).toContain(row.reference as string);
    expect(headerOf(linkMail, 'Message-ID')).toMatch(new RegExp(`^<${row.reference}\\.[A-Za-z0-9_-]+@shop\\.test>$`));
    expect(headerOf(linkMail, 'Auto-Submitted')).toBe('auto-generated');

    const confirmed = await confirmLink(linkMail);
    expect(confirmed.status).toBe(200);
    expect(requestRow(row.id as number)).toMatchObject({ state: 'verified' });
    expect((requestRow(row.id as number).due_at as number) > 0).toBe(true);
    await mailTo('kim@example.test', /received/i);
  });

  test('in Russian gets its type from Russian words and is answered in Russian', async () => {
    await smtpSend({ from: 'olga@example.test', subject: 'Персональные данные', text: 'Здравствуйте! Удалите, пожалуйста, мои данные.' });
    await smtpSend({ from: 'ivan@example.test', subject: 'Запрос', text: 'Пришлите копию моих персональных данных.' });
    const [olga, ivan] = requests();
    expect(olga).toMatchObject({ type: 'erasure', lang: 'ru' });
    expect(ivan).toMatchObject({ type: 'access', lang: 'ru' });
    const mail = await mailTo('olga@example.test', /Подтвердите/);
    expect(mail.body).toContain('удаление ваших данных');
  });

  test('whose words name no right (or several) needs triage: it cannot be started until an operator classifies it', async () => {
    await smtpSend({ from: 'ann@example.test', subject: 'Question', text: 'What are you doing with my information?' });
    const [row] = requests();
    expect(row.type).toBeNull();
    const confirmed = await confirmLink(await mailTo('ann@example.test', /confirm/i));
    expect(confirmed.status).toBe(200);
    const verified = requestRow(row.id as number);
    expect(verified.state).toBe('verified');
    // Until classified, the earliest deadline of any type applies.
    expect(verified.due_at).toBeGreaterThan(clock.now());

    expect(errorCode(await act(row.id as number, 'start'))).toBe('invalid_state');
    const op = await operator();
    const { request } = await ok(op, OperatorEvent.privacyClassify, { id: row.id as number, type: 'access' });
    expect(request).toMatchObject({ type: 'access', state: 'verified' });
    expect(errorCode(await call(op, OperatorEvent.privacyClassify, { id: row.id as number, type: 'erasure' }))).toBe('invalid_state');
    expect(errorCode(await act(row.id as number, 'start'))).toBeNull();
    const { audit } = await ok(op, OperatorEvent.privacyGet, { id: row.id as number });
    expect(audit.map((a) => a.action)).toContain('classified');
  });

  test('a triage request classified as an objection takes effect at once once verified', async () => {
    await smtpSend({ from: 'bo@example.test', subject: 'hi', text: 'Please sort out my account.' });
    const [row] = requests();
    await confirmLink(await mailTo('bo@example.test', /confirm/i));
    const op = await operator();
    const { request } = await ok(op, OperatorEvent.privacyClassify, { id: row.id as number, type: 'objection' });
    expect(request.state).toBe('completed');
    // Closed: its mails go with its other contact data.
    expect(threadOf(row.id as number)).toEqual([]);
  });

  test('through the webhook, with the right secret (raw MIME or JSON); a wrong or missing secret is refused and stores nothing', async () => {
    const raw = await mime({ from: 'dan@example.test', subject: 'Unsubscribe', text: 'Please unsubscribe me from your newsletter.' });
    expect((await webhook(raw, null)).status).toBe(401);
    expect((await webhook(raw, 'wrong-secret')).status).toBe(401);
    expect((await webhook(raw, `${SECRET}x`)).status).toBe(401);
    expect(requests()).toEqual([]);

    const res = await webhook(raw);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: true; data: { outcome: string; reference: string } };
    expect(body.data).toMatchObject({ outcome: 'filed' });
    expect(requests()[0]).toMatchObject({ type: 'objection', source: 'email', reference: body.data.reference });

    const json = await webhook(
      JSON.stringify({ raw: (await mime({ from: 'eve@example.test', subject: 'Data', text: 'I want a copy of my data' })).toString() }),
      SECRET,
      'application/json',
    );
    expect(json.status).toBe(200);
    expect(requests()[1]).toMatchObject({ type: 'access', email: 'eve@example.test' });
    expect((await webhook(JSON.stringify({ raw: 'x', extra: 1 }), SECRET, 'application/json')).status).toBe(400);
  });

  test('the webhook does not exist without a configured secret', async () => {
    await t.close();
    t = await startTestApp({ clock });
    const res = await webhook(await mime({ from: 'dan@example.test', subject: 'x', text: 'delete my data' }), 'anything');
    expect(res.status).toBe(404);
  });

  test('only the privacy address takes mail; other recipients are refused', async () => {
    expect(await smtpRefusal({ from: 'kim@example.test', to: 'someone@shop.test', subject: 'x', text: 'delete my data' })).toBe(550);
    expect(requests()).toEqual([]);
  });
});

describe('what is not a request', () => {
  test('auto-replies, bounces, mails from our own address or without a sender are accepted and dropped', async () => {
    const base = { subject: 'Out of office', text: 'I am away; please delete nothing.' };
    await smtpSend({ ...base, from: 'kim@example.test', headers: { 'Auto-Submitted': 'auto-replied' } });
    await smtpSend({ ...base, from: 'kim@example.test', headers: { Precedence: 'bulk' } });
    await smtpSend({ ...base, from: 'kim@example.test', headers: { Precedence: 'auto_reply' } });
    await smtpSend({ ...base, from: 'kim@example.test', envelope: { from: '', to: [PRIVACY] } });
    await smtpSend({ ...base, from: 'MAILER-DAEMON@mx.example.test' });
    await smtpSend({ ...base, from: PRIVACY });
    const report = await mime({ from: 'postmaster@example.test', subject: 'Undeliverable', text: 'x' });
    const asReport = report
      .toString()
      .replace(/Content-Type: text\/plain[^\r\n]*/i, 'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"');
    expect((await webhook(asReport)).status).toBe(200);
    const noSender = (await mime({ from: 'kim@example.test', ...base })).toString().replace(/^From:.*\r?\n/im, '');
    const answered = await webhook(noSender);
    expect(((await answered.json()) as { data: { outcome: string } }).data.outcome).toBe('ignored');
    await smtpSend({ ...base, from: 'not an address', envelope: { from: 'bounce@example.test', to: [PRIVACY] } });

    // An operator's own mail ("Auto-Submitted: no") is a request like any other.
    await smtpSend({ from: 'kim@example.test', subject: 'Erase', text: 'Erase my data', headers: { 'Auto-Submitted': 'no' } });
    expect(requests()).toHaveLength(1);
    // Only that one was answered (the link to confirm it): nothing went back to an auto-responder.
    await mailTo('kim@example.test', /confirm/i);
    expect(t.smtp.mailsTo('kim@example.test')).toHaveLength(1);
  });

  test('a mail over the size limit is refused, over SMTP and through the webhook', async () => {
    const big = 'delete my data '.repeat((MAX_KB * 1024) / 15 + 100);
    expect(await smtpRefusal({ from: 'kim@example.test', subject: 'big', text: big })).toBe(552);
    expect((await webhook(await mime({ from: 'kim@example.test', subject: 'big', text: big }))).status).toBe(413);
    expect(requests()).toEqual([]);
  });

  test(`one sender gets ${MAILS_PER_SENDER_PER_HOUR} mails an hour; the next is deferred (451), then taken an hour later`, async () => {
    for (let i = 0; i < MAILS_PER_SENDER_PER_HOUR; i++)
      await smtpSend({ from: 'kim@example.test', subject: `n${i}`, text: 'delete my data' });
    expect(await smtpRefusal({ from: 'kim@example.test', subject: 'again', text: 'delete my data' })).toBe(451);
    // Another sender is not affected.
    await smtpSend({ from: 'lee@example.test', subject: 'x', text: 'delete my data' });
    expect(requests()).toHaveLength(MAILS_PER_SENDER_PER_HOUR + 1);
    clock.advance(60 * 60 * 1000 + 1);
    await smtpSend({ from: 'kim@example.test', subject: 'later', text: 'delete my data' });
    expect(requests()).toHaveLength(MAILS_PER_SENDER_PER_HOUR + 2);
  });
});

describe('the mail thread of a request', () => {
  test("a reply to our mail threads onto its request (In-Reply-To or the reference in the subject); someone else's reference does not", async () => {
    await smtpSend({ from: 'kim@example.test', subject: 'Help', text: 'Something about my data.' });
    const [row] = requests();
    const id = row.id as number;
    const linkMail = await mailTo('kim@example.test', /confirm/i);
    const ours = headerOf(linkMail, 'Message-ID')!;

    await smtpSend({
      from: 'kim@example.test',
      subject: 'Re: whatever',
      text: 'I mean: please erase it.\n\nOn Mon, Privacy desk wrote:\n> We received your request',
      inReplyTo: ours,
      references: [ours],
    });
    await smtpSend({ from: 'kim@example.test', subject: `Re: ${row.reference}`, text: 'And my chats too.' });
    expect(requests()).toHaveLength(1);
    expect(threadOf(id).map((m) => [m.kind, m.body])).toEqual([
      ['request', 'Something about my data.'],
      ['reply', 'I mean: please erase it.'],
      ['reply', 'And my chats too.'],
    ]);

    // The reference of Kim's request, from another address: a request of its own, not a line in Kim's.
    await smtpSend({ from: 'mallory@example.test', subject: `Re: ${row.reference}`, text: 'delete my data', inReplyTo: ours });
    expect(requests()).toHaveLength(2);
    expect(threadOf(id)).toHaveLength(3);
  });

  test('an operator answers from the request page: the mail reaches the requester, answering their mail, and the question is in the history', async () => {
    const op = await operator();
    const filed = pushedRequest(op, (r) => r.source === 'email');
    await smtpSend({
      from: 'kim@example.test',
      subject: 'Data',
      text: 'Do something with my data please.',
      messageId: '<kim-1@example.test>',
    });
    const pushed = await filed;
    expect(pushed).toMatchObject({ type: null, email: 'kim@example.test' });

    const { message } = await ok(op, OperatorEvent.privacyReply, {
      id: pushed.id,
      text: 'Would you like us to delete your data or send you a copy?',
      clarification: true,
    });
    expect(message).toMatchObject({ direction: 'out', kind: 'clarification', operatorName: expect.any(String) });
    const question = await mailTo('kim@example.test', /question/i);
    expect(question.subject).toContain(pushed.reference);
    expect(question.body).toContain('delete your data or send you a copy?');
    expect(headerOf(question, 'In-Reply-To')).toBe('<kim-1@example.test>');
    expect(headerOf(question, 'Auto-Submitted')).toBe('no');

    // The requester answers the question; it threads on by our Message-ID.
    await smtpSend({
      from: 'kim@example.test',
      subject: `Re: ${question.subject}`,
      text: 'Delete it.',
      inReplyTo: headerOf(question, 'Message-ID')!,
    });
    const { audit, messages } = await ok(op, OperatorEvent.privacyGet, { id: pushed.id });
    expect(messages.map((m) => [m.direction, m.kind, m.text])).toEqual([
      ['in', 'request', 'Do something with my data please.'],
      ['out', 'clarification', 'Would you like us to delete your data or send you a copy?'],
      ['in', 'reply', 'Delete it.'],
    ]);
    const actions = audit.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['received', 'clarification requested', 'mail received']));
    // The audit log says that a mail went, never what it said.
    expect(JSON.stringify(audit)).not.toContain('copy?');

    await ok(op, OperatorEvent.privacyReply, { id: pushed.id, text: 'Thank you, we will.', clarification: false });
    await mailTo('kim@example.test', /^Your request/);
    expect(errorCode(await call(op, OperatorEvent.privacyReply, { id: pushed.id, text: '   ', clarification: false }))).toBe(
      'invalid_payload',
    );
  });
});

import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OperatorEvent, OperatorPush, VisitorEvent, VisitorPush, type OperatorMessagePush } from '../../shared/protocol';
import type { MessageDto } from '../../shared/types';
import { TRANSCRIPT_LIMITS } from '../../server/chat/transcript-service';
import { createLogger } from '../../server/platform/logger';
import { png } from '../helpers/files';
import { privacyHelpers } from '../helpers/privacy';
import { errorCode, say, socketTracker } from '../helpers/sockets';
import { call, next, ok, startTestApp, TestClock, visitorClient, type TestApp } from '../helpers/test-app';

// Transcripts: mailed on request or on resolve, in the visitor's language, logged in the conversation,
// rate-limited, only ever of the asking visitor's own conversation; the address is neither logged nor kept.

const s = {} as { t: TestApp };
const sockets = socketTracker();
const { newVisitor, operator, mailTo, forgetOperator } = privacyHelpers(() => s.t, sockets);
/** Every log line the app writes, at info and above. */
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString('utf8'));
    done();
  },
});

beforeEach(async () => {
  logLines.length = 0;
  s.t = await startTestApp({ clock: new TestClock(), log: createLogger('info', logStream) });
});
afterEach(async () => {
  sockets.closeAll();
  forgetOperator();
  await s.t.close();
});
const TRANSCRIPT_MAIL = /chat with us|разговор в чате/i;

/** A visitor who said hello in `lang`, wrote, and got an answer from the operator. */
async function answeredVisitor(lang: 'en' | 'ru', text: string) {
  const socket = sockets.track(visitorClient(s.t.url));
  const { token } = await ok(socket, VisitorEvent.hello, { lang });
  const conversationId = await say(socket, text);
  const op = await operator();
  await ok(op, OperatorEvent.messageSend, {
    conversationId,
    clientId: `reply-${conversationId}`,
    text: lang === 'ru' ? 'Уже едет.' : 'On its way.',
  });
  return { socket, token, conversationId, op };
}

const logText = () => logLines.join('');

describe('a transcript on request', () => {
  test('is mailed in English with every line and its author, and the sending is logged on the conversation', async () => {
    const { socket, conversationId, op } = await answeredVisitor('en', 'Where is my parcel?');
    const logged = next<OperatorMessagePush[]>(op, OperatorPush.messages, (pushes) => pushes.some((p) => p.message.author === 'system'));
    const seen = next<MessageDto>(socket, VisitorPush.messageNew, (m) => m.author === 'system');
    expect(await ok(socket, VisitorEvent.transcriptRequest, { conversationId, email: 'Pat@Example.test', onResolve: false })).toEqual({
      sent: true,
      onResolve: false,
    });
    const mail = await mailTo('pat@example.test', TRANSCRIPT_MAIL);
    expect(mail.subject).toMatch(/^Your chat with us \(\d{1,2} \w+ \d{4}\)$/);
    expect(mail.body).toContain('Here is the transcript of your chat');
    expect(mail.body).toMatch(/\] You:\r?\nWhere is my parcel\?/);
    expect(mail.body).toMatch(/\] Admin[^:]*:\r?\nOn its way\./);
    expect(mail.body).not.toContain('Files in this conversation');

    // Operators see the line in the thread (live and when opening it); the visitor's panel too. No address in it.
    const line = (await logged).find((p) => p.message.author === 'system')!.message;
    expect(line.text).toBe('The transcript of this conversation was sent by e-mail.');
    expect((await seen).seq).toBe(line.seq);
    const opened = await ok(op, OperatorEvent.conversationOpen, { conversationId });
    expect(opened.messages.map((m) => m.text)).toContain(line.text);

    // The address given for a mail now is not kept on the visitor, and never reaches the log.
    const stored = s.t.db.prepare('SELECT email FROM visitors WHERE email IS NOT NULL').pluck().all();
    expect(stored).toEqual([]);
    expect(logText()).not.toMatch(/pat@example/i);
  });

  test('names the files the conversation carried, each under its message', async () => {
    const { socket, token, conversationId } = await answeredVisitor('en', 'Here is the label');
    const res = await fetch(`${s.t.url}/api/attachments?clientId=label-photo-01&name=label%20photo.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(png(4, 4)),
    });
    const { data } = (await res.json()) as { data: { attachment: { id: string } } };
    await ok(socket, VisitorEvent.messageSend, { clientId: 'label-photo-01', attachmentId: data.attachment.id } as never);
    await ok(socket, VisitorEvent.transcriptRequest, { conversationId, email: 'lee@example.test', onResolve: false });
    const mail = await mailTo('lee@example.test', TRANSCRIPT_MAIL);
    expect(mail.body).toMatch(/\] You:\r?\n(?:.*\r?\n)?Attached: label photo\.png/);
    expect(mail.body).toMatch(/Files in this conversation \(not included in this mail\):\r?\n- label photo\.png/);
  });

  test('is mailed in Russian to a Russian-speaking visitor', async () => {
    const { socket, conversationId } = await answeredVisitor('ru', 'Где моя посылка?');
    await ok(socket, VisitorEvent.transcriptRequest, { conversationId, email: 'ivan@example.test', onResolve: false });
    const mail = await mailTo('ivan@example.test', TRANSCRIPT_MAIL);
    expect(mail.subject).toMatch(/^Ваш разговор в чате \(/);
    expect(mail.body).toContain('Вот запись вашего разговора');
    expect(mail.body).toMatch(/\] Вы:\r?\nГде моя посылка\?/);
    expect(mail.body).toContain('Уже едет.');
    expect(mail.body).toContain('Время указано по часовому поясу');
  });

  test('needs an address when none is known, and a conversation with something in it', async () => {
    const a = await newVisitor();
    const conversationId = await say(a.socket, 'Hello');
    expect(errorCode(await call(a.socket, VisitorEvent.transcriptRequest, { conversationId, onResolve: false }))).toBe('invalid_payload');
    expect(
      errorCode(await call(a.socket, VisitorEvent.transcriptRequest, { conversationId, email: 'not-an-address', onResolve: false })),
    ).toBe('invalid_payload');
    // With the contact address left in the offline form, no address need be given.
    await ok(a.socket, VisitorEvent.contactLeave, { email: 'left@example.test' });
    await ok(a.socket, VisitorEvent.transcriptRequest, { conversationId, onResolve: false });
    const mail = await mailTo('left@example.test', TRANSCRIPT_MAIL);
    expect(mail.body).toContain('Hello');
  });

  test('is limited per visitor per hour; the limit is answered rate_limited and sends nothing more', async () => {
    const { socket, conversationId } = await answeredVisitor('en', 'Please send me this');
    for (let i = 0; i < TRANSCRIPT_LIMITS.perVisitor; i++) {
      await ok(socket, VisitorEvent.transcriptRequest, { conversationId, email: 'many@example.test', onResolve: false });
    }
    const refused = await call(socket, VisitorEvent.transcriptRequest, { conversationId, email: 'many@example.test', onResolve: false });
    expect(errorCode(refused)).toBe('rate_limited');
    await mailTo('many@example.test', TRANSCRIPT_MAIL, TRANSCRIPT_LIMITS.perVisitor - 1);
    await s.t.app.services.mail.idle();
    expect(s.t.smtp.mailsTo('many@example.test')).toHaveLength(TRANSCRIPT_LIMITS.perVisitor);
    const lines = s.t.db.prepare(`SELECT count(*) FROM messages WHERE author = 'system'`).pluck().get();
    expect(lines).toBe(TRANSCRIPT_LIMITS.perVisitor);
  });

  test('another visitor cannot have someone else’s conversation mailed', async () => {
    const { conversationId } = await answeredVisitor('en', 'My private order 4411');
    const intruder = await newVisitor();
    await say(intruder.socket, 'I am someone else');
    for (const onResolve of [false, true]) {
      const ack = await call(intruder.socket, VisitorEvent.transcriptRequest, { conversationId, email: 'thief@example.test', onResolve });
      expect(errorCode(ack)).toBe('not_found');
    }
    await s.t.app.services.mail.idle();
    expect(s.t.smtp.mailsTo('thief@example.test')).toEqual([]);
    expect(s.t.db.prepare('SELECT count(*) FROM transcript_wishes').pluck().get()).toBe(0);
  });
});

describe('a transcript on resolve', () => {
  test('is mailed once when the operator resolves, to the address left for it, and logged', async () => {
    const { socket, conversationId, op } = await answeredVisitor('en', 'Mail me this when we are done');
    expect(await ok(socket, VisitorEvent.transcriptRequest, { conversationId, email: 'later@example.test', onResolve: true })).toEqual({
      sent: false,
      onResolve: true,
    });
    // The address for later is the visitor's contact address (erasure, export and retention reach it); the wish holds none.
    expect(s.t.db.prepare('SELECT email FROM visitors WHERE email IS NOT NULL').pluck().all()).toEqual(['later@example.test']);
    expect(JSON.stringify(s.t.db.prepare('SELECT * FROM transcript_wishes').all())).not.toContain('later@');
    await s.t.app.services.mail.idle();
    expect(s.t.smtp.mailsTo('later@example.test')).toEqual([]);

    const logged = next<MessageDto>(socket, VisitorPush.messageNew, (m) => m.text.startsWith('The transcript'));
    await ok(op, OperatorEvent.conversationResolve, { conversationId });
    const mail = await mailTo('later@example.test', TRANSCRIPT_MAIL);
    expect(mail.body).toContain('Mail me this when we are done');
    await logged;

    // Reopened and resolved again: the wish was used up, no second mail.
    await ok(op, OperatorEvent.conversationReopen, { conversationId });
    await ok(op, OperatorEvent.conversationResolve, { conversationId });
    await s.t.app.services.mail.idle();
    expect(s.t.smtp.mailsTo('later@example.test')).toHaveLength(1);
    expect(s.t.db.prepare('SELECT count(*) FROM transcript_wishes').pluck().get()).toBe(0);
  });
});

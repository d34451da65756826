import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VISITOR_NAMESPACE, VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { MessageDto } from '../../shared/types';
import { waitFor } from '../helpers/durable-clients';
import { signedInOperator, socketTracker } from '../helpers/sockets';
import { call, next, ok, startTestApp, visitorClient, type OperatorClient, type TestApp, type VisitorClient } from '../helpers/test-app';

let t: TestApp;
let op: OperatorClient;
const sockets = socketTracker();

beforeEach(async () => {
  // Long enough that two replies sent together share their mail even on a busy machine.
  t = await startTestApp({ env: { OFFLINE_REPLY_DELAY_SECONDS: '2' } });
  op = await signedInOperator(t.url, sockets);
});

afterEach(async () => {
  sockets.closeAll();
  await t.close();
});

async function visitorWithContact(
  email: string | null,
  lang: 'en' | 'ru' = 'en',
): Promise<{ socket: VisitorClient; conversationId: string }> {
  const socket = sockets.track(visitorClient(t.url));
  await ok(socket, VisitorEvent.hello, { lang });
  const ack = await call(socket, VisitorEvent.messageSend, {
    clientId: `first-${Math.random().toString(36).slice(2, 10)}`,
    text: 'Is anyone there?',
  });
  if (!ack.ok) throw new Error(ack.error.message);
  const { message } = ack.data;
  if (email) await ok(socket, VisitorEvent.contactLeave, { email });
  return { socket, conversationId: message.conversationId };
}

/** Waits until the server has no socket left for this visitor's conversation. */
async function gone(socket: VisitorClient): Promise<void> {
  const nsp = t.app.io.of(VISITOR_NAMESPACE);
  const before = nsp.sockets.size;
  socket.close();
  const deadline = Date.now() + 10_000;
  while (nsp.sockets.size >= before) {
    if (Date.now() > deadline) throw new Error('the server never saw the visitor leave');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('replies to visitors who left an e-mail', () => {
  test("an operator's replies to a visitor who has left go out by e-mail, together, in the visitor's language", async () => {
    const { socket, conversationId } = await visitorWithContact('away@example.test', 'ru');
    await gone(socket);
    await Promise.all([
      ok(op, OperatorEvent.messageSend, { conversationId, clientId: 'reply-one-1', text: 'Здравствуйте! Да, мы здесь.' }),
      ok(op, OperatorEvent.messageSend, { conversationId, clientId: 'reply-two-2', text: 'Напишите номер заказа.' }),
    ]);

    const mail = await t.smtp.waitFor('away@example.test');
    expect(mail.subject).toBe('Ответ на ваше сообщение в чате');
    expect(mail.body).toContain('Здравствуйте! Да, мы здесь.');
    expect(mail.body).toContain('Напишите номер заказа.');
    expect(mail.body).not.toContain('Is anyone there?');
    expect(t.smtp.mailsTo('away@example.test')).toHaveLength(1);
  });

  test('a visitor still in the chat reads the reply there and gets no mail; one who left no address gets none either', async () => {
    const present = await visitorWithContact('present@example.test');
    const anonymous = await visitorWithContact(null);
    await gone(anonymous.socket);
    const seen = next<MessageDto>(present.socket, VisitorPush.messageNew, (m) => m.author === 'operator');
    await ok(op, OperatorEvent.messageSend, {
      conversationId: present.conversationId,
      clientId: 'reply-present',
      text: 'Hello, you are here',
    });
    await ok(op, OperatorEvent.messageSend, {
      conversationId: anonymous.conversationId,
      clientId: 'reply-anonymous',
      text: 'Hello, stranger',
    });
    expect((await seen).text).toBe('Hello, you are here');

    // A later reply to someone who did leave: its mail goes out after the earlier two were decided.
    const sentinel = await visitorWithContact('sentinel@example.test');
    await gone(sentinel.socket);
    await ok(op, OperatorEvent.messageSend, {
      conversationId: sentinel.conversationId,
      clientId: 'reply-sentinel',
      text: 'Hello, sentinel',
    });
    await t.smtp.waitFor('sentinel@example.test');

    expect(t.smtp.mailsTo('present@example.test')).toEqual([]);
    expect(t.smtp.mails.filter((m) => m.body.includes('Hello, stranger'))).toEqual([]);
  });

  test('a reply written while the mail before it is being sent goes in a mail of its own, once, and the wait ends', async () => {
    const { socket, conversationId } = await visitorWithContact('busy@example.test');
    await gone(socket);
    const held = t.smtp.holdNext();
    await ok(op, OperatorEvent.messageSend, { conversationId, clientId: 'reply-first-1', text: 'Your parcel left today.' });
    // The first mail is at the mail server, which has not answered yet: the next reply comes now.
    await held.arrived;
    await ok(op, OperatorEvent.messageSend, { conversationId, clientId: 'reply-second-2', text: 'Tracking number follows.' });
    held.release();

    const first = await t.smtp.waitFor('busy@example.test');
    expect(first.body).toContain('Your parcel left today.');
    expect(first.body).not.toContain('Tracking number follows.');
    const second = await t.smtp.waitFor('busy@example.test', (m) => m !== first);
    expect(second.body).toContain('Tracking number follows.');
    expect(second.body).not.toContain('Your parcel left today.');
    const waits = () => t.db.prepare('SELECT count(*) FROM offline_replies').pluck().get();
    await waitFor(() => waits() === 0, 'the wait ended');
    expect(t.smtp.mailsTo('busy@example.test')).toHaveLength(2);
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VisitorEvent, VisitorPush } from '../../shared/protocol';
import type { MessageDto } from '../../shared/types';
import { call, connected, next, ok, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

describe('the offline form: a visitor leaves an e-mail for a reply', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  test('the e-mail is kept on the visitor, noted in the conversation for the operator, and returned on the next hello', async () => {
    const visitor = visitorClient(app.url);
    await connected(visitor);
    const hello = await ok(visitor, VisitorEvent.hello, { lang: 'en' });
    expect(hello.contactEmail).toBeNull();

    const note = next<MessageDto>(visitor, VisitorPush.messageNew);
    expect(await ok(visitor, VisitorEvent.contactLeave, { email: ' Reply.Me@Example.TEST ', name: 'Ann' })).toEqual({
      email: 'reply.me@example.test',
    });
    const message = await note;
    expect(message).toMatchObject({ author: 'system', text: 'E-mail for a reply: reply.me@example.test', seq: 1 });
    expect(app.db.prepare('SELECT email, name, email_verified AS verified FROM visitors').all()).toEqual([
      { email: 'reply.me@example.test', name: 'Ann', verified: 0 },
    ]);
    visitor.close();

    const again = visitorClient(app.url);
    await connected(again);
    const back = await ok(again, VisitorEvent.hello, { token: hello.token });
    expect(back.contactEmail).toBe('reply.me@example.test');
    expect(back.messages.map((m) => m.text)).toEqual(['E-mail for a reply: reply.me@example.test']);
    again.close();
  });

  test('a malformed e-mail is refused with invalid_payload and nothing is stored', async () => {
    const visitor = visitorClient(app.url);
    await connected(visitor);
    await ok(visitor, VisitorEvent.hello, {});
    const before = app.db.prepare('SELECT count(*) AS n FROM messages').get();
    const ack = await call(visitor, VisitorEvent.contactLeave, { email: 'not-an-address' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(app.db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual(before);
    visitor.close();
  });

  test('before hello the event is refused as unauthorized', async () => {
    const visitor = visitorClient(app.url);
    await connected(visitor);
    const ack = await call(visitor, VisitorEvent.contactLeave, { email: 'a@example.test' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    visitor.close();
  });
});

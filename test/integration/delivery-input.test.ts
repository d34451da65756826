import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { sequenceSnapshot } from '../helpers/db-snapshot';
import { newClientId } from '../helpers/durable-clients';
import { signedInOperator, socketTracker } from '../helpers/sockets';
import { call, ok, startTestApp, visitorClient, type OperatorClient, type TestApp, type VisitorClient } from '../helpers/test-app';

// Bad input against the delivery guarantees, beyond what chat.test.ts covers for visitors
// (a resend, a visitor reusing an id, a visitor asking for history from the future).

let t: TestApp;
const sockets = socketTracker();

beforeEach(async () => {
  t = await startTestApp();
});

afterEach(async () => {
  sockets.closeAll();
  await t.close();
});

async function setup(): Promise<{ visitor: VisitorClient; operator: OperatorClient; conversationId: string; visitorClientId: string }> {
  const visitor = sockets.track(visitorClient(t.url));
  await ok(visitor, VisitorEvent.hello, {});
  const visitorClientId = newClientId();
  const sent = await call(visitor, VisitorEvent.messageSend, { clientId: visitorClientId, text: 'where is my order?' });
  if (!sent.ok) throw new Error(`could not send: ${sent.error.code}`);
  const { message } = sent.data;
  const operator = await signedInOperator(t.url, sockets);
  return { visitor, operator, conversationId: message.conversationId, visitorClientId };
}

describe('bad input against the delivery guarantees', () => {
  test('an operator asking for messages after a sequence from the future gets invalid_payload, and nothing changes', async () => {
    const { operator, conversationId } = await setup();
    const before = sequenceSnapshot(t.db);
    const future = await call(operator, OperatorEvent.conversationOpen, { conversationId, afterSeq: 2 });
    expect(future).toMatchObject({ ok: false, error: { code: 'invalid_payload', message: 'That sequence number is from the future.' } });
    // The present is fine.
    expect(await call(operator, OperatorEvent.conversationOpen, { conversationId, afterSeq: 1 })).toMatchObject({
      ok: true,
      data: { messages: [] },
    });
    expect(sequenceSnapshot(t.db)).toEqual(before);
  });

  test.each([-1, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 2])(
    'a sequence of %s is refused as invalid_payload on both sides',
    async (afterSeq) => {
      const { visitor, operator, conversationId } = await setup();
      const before = sequenceSnapshot(t.db);
      expect(await call(visitor, VisitorEvent.messageHistory, { afterSeq })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
      expect(await call(operator, OperatorEvent.conversationOpen, { conversationId, afterSeq })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
      expect(sequenceSnapshot(t.db)).toEqual(before);
    },
  );

  test('an operator writing to a conversation id that does not exist gets not_found, and nothing is stored', async () => {
    const { operator } = await setup();
    const before = sequenceSnapshot(t.db);
    const send = await call(operator, OperatorEvent.messageSend, {
      conversationId: 'nosuchconversation',
      clientId: newClientId(),
      text: 'hello?',
    });
    expect(send).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(operator, OperatorEvent.conversationOpen, { conversationId: 'nosuchconversation' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(sequenceSnapshot(t.db)).toEqual(before);
  });

  test('an operator reusing a client id for a different text, or the visitor’s client id, gets conflict; the original answer still stands', async () => {
    const { operator, conversationId, visitorClientId } = await setup();
    const clientId = newClientId();
    const first = await call(operator, OperatorEvent.messageSend, { conversationId, clientId, text: 'It left the warehouse today.' });
    expect(first.ok).toBe(true);
    const before = sequenceSnapshot(t.db);

    const changed = await call(operator, OperatorEvent.messageSend, { conversationId, clientId, text: 'It is lost, sorry.' });
    expect(changed).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // Another author's message under the same id and the same text is not a resend either.
    const hijack = await call(operator, OperatorEvent.messageSend, {
      conversationId,
      clientId: visitorClientId,
      text: 'where is my order?',
    });
    expect(hijack).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(sequenceSnapshot(t.db)).toEqual(before);

    // A true resend is still answered exactly as the first time.
    expect(await call(operator, OperatorEvent.messageSend, { conversationId, clientId, text: 'It left the warehouse today.' })).toEqual(
      first,
    );
    expect(sequenceSnapshot(t.db)).toEqual(before);
  });
});

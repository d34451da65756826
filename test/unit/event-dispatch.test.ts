import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { AppError, type Ack } from '../../shared/errors';
import { createDispatcher, createRegistrar } from '../../server/realtime/handle';
import { createLogger } from '../../server/platform/logger';

/** A namespace of two events, as shared/protocol.ts declares them. */
interface Rpc {
  echo: { in: { text: string }; out: { text: string; by: string } };
  fail: { in: { how: 'refused' | 'crashed' }; out: null };
}
const schemas = {
  echo: v.object({ text: v.pipe(v.string(), v.maxLength(10)) }),
  fail: v.object({ how: v.picklist(['refused', 'crashed']) }),
};

/** Stands in for a Socket.IO socket: `onAny` listeners get the event, its arguments and the ack, with the socket as `this`. */
class FakeSocket {
  connected = true;
  readonly anyListeners: Array<(...args: unknown[]) => void> = [];
  constructor(readonly name: string) {}
  onAny(listener: (...args: unknown[]) => void): this {
    this.anyListeners.push(listener);
    return this;
  }
  /** Delivers an event as Socket.IO would; resolves with the ack's answer, or 'no answer' once the handler has had its turns. */
  async receive(event: unknown, ...args: unknown[]): Promise<Ack<unknown> | 'no answer'> {
    let answer: Ack<unknown> | 'no answer' = 'no answer';
    const withAck = args.length && args[args.length - 1] === ACK;
    const delivered = withAck ? [...args.slice(0, -1), (a: Ack<unknown>) => (answer = a)] : args;
    for (const listener of this.anyListeners) listener.apply(this, [event, ...delivered]);
    // The handlers here finish within a few microtasks; a macrotask later they have answered or never will.
    await new Promise((resolve) => setImmediate(resolve));
    return answer;
  }
}
const ACK = Symbol('ack');

const log = createLogger('silent');
const handlers = {
  echo: (input: { text: string }, socket: FakeSocket) => ({ text: input.text, by: socket.name }),
  fail: async (input: { how: 'refused' | 'crashed' }) => {
    await Promise.resolve();
    if (input.how === 'refused') throw new AppError('forbidden', 'Not you.');
    throw new Error('boom with secret details');
  },
};

describe('the dispatcher every namespace event goes through', () => {
  const listen = createDispatcher<Rpc, FakeSocket>(schemas, handlers, log);

  test('all sockets share one listener, and each handler gets its own socket', async () => {
    const a = new FakeSocket('a');
    const b = new FakeSocket('b');
    listen(a);
    listen(b);
    expect(a.anyListeners).toHaveLength(1);
    expect(a.anyListeners[0]).toBe(b.anyListeners[0]);
    expect(await a.receive('echo', { text: 'hi' }, ACK)).toEqual({ ok: true, data: { text: 'hi', by: 'a' } });
    expect(await b.receive('echo', { text: 'hi' }, ACK)).toEqual({ ok: true, data: { text: 'hi', by: 'b' } });
  });

  test('the payload is checked before the handler: arity, malformed input, schema', async () => {
    const s = new FakeSocket('s');
    listen(s);
    const invalid = (message: string | RegExp) => ({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringMatching(message) },
    });
    expect(await s.receive('echo', ACK)).toEqual(invalid('Expected exactly one payload and an acknowledgement.'));
    expect(await s.receive('echo', { text: 'a' }, { text: 'b' }, ACK)).toEqual(
      invalid('Expected exactly one payload and an acknowledgement.'),
    );
    expect(await s.receive('echo', ['text'], ACK)).toEqual(invalid('the payload must be an object'));
    expect(await s.receive('echo', { text: 'lone \uD800' }, ACK)).toEqual(invalid('text contains invalid characters'));
    expect(await s.receive('echo', { text: 'far too long text' }, ACK)).toEqual(invalid(/^text: /));
  });

  test('what a handler throws becomes its error code; anything unexpected is `internal`, never its text', async () => {
    const s = new FakeSocket('s');
    listen(s);
    expect(await s.receive('fail', { how: 'refused' }, ACK)).toEqual({ ok: false, error: { code: 'forbidden', message: 'Not you.' } });
    const crashed = await s.receive('fail', { how: 'crashed' }, ACK);
    expect(crashed).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(crashed)).not.toContain('secret');
  });

  test('dropped without an answer: no ack, an event the namespace lacks (prototype names too), a socket gone', async () => {
    const s = new FakeSocket('s');
    listen(s);
    expect(await s.receive('echo', { text: 'hi' })).toBe('no answer');
    for (const event of ['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 42, null]) {
      expect(await s.receive(event, { text: 'hi' }, ACK)).toBe('no answer');
    }
    s.connected = false;
    expect(await s.receive('echo', { text: 'hi' }, ACK)).toBe('no answer');
  });
});

describe('the registrar (handlers closing over per-socket state)', () => {
  test('one shared listener per namespace; a socket answers only the events registered for it', async () => {
    const on = createRegistrar<Rpc>(schemas, log);
    const a = new FakeSocket('a');
    const b = new FakeSocket('b');
    on(a, 'echo', (input) => ({ text: input.text, by: 'a' }));
    on(a, 'fail', () => null);
    on(b, 'echo', (input) => ({ text: input.text, by: 'b' }));
    expect(a.anyListeners).toHaveLength(1);
    expect(a.anyListeners[0]).toBe(b.anyListeners[0]);
    expect(await a.receive('echo', { text: 'x' }, ACK)).toEqual({ ok: true, data: { text: 'x', by: 'a' } });
    expect(await b.receive('echo', { text: 'y' }, ACK)).toEqual({ ok: true, data: { text: 'y', by: 'b' } });
    expect(await a.receive('fail', { how: 'refused' }, ACK)).toEqual({ ok: true, data: null });
    expect(await b.receive('fail', { how: 'refused' }, ACK)).toBe('no answer');
    expect(await b.receive('echo', { text: 'far too long text' }, ACK)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });
});

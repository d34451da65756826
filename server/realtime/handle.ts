import * as v from 'valibot';
import type { Logger } from 'pino';
import { AppError, type Ack, type AckError } from '../../shared/errors';
import { malformedInput } from '../platform/input-guard';

type SchemaTable<R> = { [K in keyof R]: R[K] extends { in: infer I } ? v.GenericSchema<unknown, I> : never };
type In<R, K extends keyof R> = R[K] extends { in: infer I } ? I : never;
type Out<R, K extends keyof R> = R[K] extends { out: infer O } ? O : never;

/** The parts of a Socket.IO socket the dispatcher touches. */
interface EventSocket {
  readonly connected: boolean;
  onAny(listener: (...args: unknown[]) => void): unknown;
}

/** One handler per event of a namespace, defined once for all its sockets. */
export type Handlers<R, S> = {
  [K in keyof R & string]: (input: In<R, K>, socket: S) => Out<R, K> | Promise<Out<R, K>>;
};

type AnyHandler<S> = (input: unknown, socket: S) => unknown;

/** Turns whatever a handler threw into an ack error; unexpected errors are logged, never echoed. */
export function toAckError(error: unknown, log: Logger, event: string): AckError {
  if (error instanceof AppError) {
    // The event and the code only: never the payload, nor the message (it may quote what was sent).
    log.debug({ event, errorCode: error.code }, 'event refused');
    return { code: error.code, message: error.message };
  }
  log.error({ err: error, event }, 'handler failed');
  return { code: 'internal', message: 'Something went wrong on our side. Please try again.' };
}

export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * Answers one inbound event: checks there is an ack to answer and a handler for the event (else the
 * event is dropped), that it came with exactly one payload, validates that payload with the event's
 * schema, runs the handler, and answers `{ ok, data }` or `{ ok: false, error }`. No handler parses its
 * own input.
 */
async function answer<S>(
  socket: S,
  event: unknown,
  args: unknown[],
  schemas: Record<string, v.GenericSchema>,
  handler: AnyHandler<S> | undefined,
  log: Logger,
): Promise<void> {
  const ack = args[args.length - 1];
  if (typeof ack !== 'function') return;
  const reply = ack as (a: Ack<unknown>) => void;
  // An event the namespace does not have goes unanswered, as Socket.IO leaves an event nobody listens to
  // (the visitor-cannot-use-operator-events test in chat.test.ts pins that silence).
  if (handler === undefined) return;
  if (args.length !== 2) {
    reply({ ok: false, error: { code: 'invalid_payload', message: 'Expected exactly one payload and an acknowledgement.' } });
    return;
  }
  const malformed = malformedInput(args[0]);
  if (malformed) {
    reply({ ok: false, error: { code: 'invalid_payload', message: malformed } });
    return;
  }
  const parsed = v.safeParse(schemas[event as string], args[0]);
  if (!parsed.success) {
    reply({ ok: false, error: { code: 'invalid_payload', message: describeIssues(parsed.issues) } });
    return;
  }
  try {
    reply({ ok: true, data: await handler(parsed.output, socket) });
  } catch (error) {
    reply({ ok: false, error: toAckError(error, log, event as string) });
  }
}

/**
 * The inbound events of a namespace whose handlers are defined once: returns `listen(socket)`, which
 * gives a socket one listener shared by every socket of the namespace (`onAny`, called with the socket
 * as `this`) instead of a closure per event per socket — memory per connection is a budget (10,000
 * visitors). Every event goes through `answer` above.
 */
export function createDispatcher<R, S extends EventSocket>(
  schemas: SchemaTable<R>,
  handlers: Handlers<R, S>,
  log: Logger,
): (socket: S) => void {
  const table = new Map<unknown, AnyHandler<S>>(Object.entries(handlers) as Array<[string, AnyHandler<S>]>);
  const bySchema = schemas as Record<string, v.GenericSchema>;
  function onEvent(this: S, event: unknown, ...args: unknown[]): void {
    // As Socket.IO does for `socket.on` listeners: nothing for a socket that has gone in the meantime.
    if (!this.connected) return;
    void answer(this, event, args, bySchema, table.get(event), log);
  }
  return (socket) => void socket.onAny(onEvent);
}

/**
 * The same for a namespace whose handlers close over per-socket state (the operator console's): `on`
 * registers a socket's handler for an event in that socket's table, and the first registration gives the
 * socket the namespace's one shared listener.
 */
export function createRegistrar<R>(schemas: SchemaTable<R>, log: Logger) {
  const tables = new WeakMap<EventSocket, Map<unknown, AnyHandler<EventSocket>>>();
  const bySchema = schemas as Record<string, v.GenericSchema>;
  function onEvent(this: EventSocket, event: unknown, ...args: unknown[]): void {
    if (!this.connected) return;
    void answer(this, event, args, bySchema, tables.get(this)?.get(event), log);
  }
  return function on<K extends keyof R & string>(
    socket: EventSocket,
    event: K,
    handler: (input: In<R, K>) => Out<R, K> | Promise<Out<R, K>>,
  ): void {
    let table = tables.get(socket);
    if (!table) {
      table = new Map();
      tables.set(socket, table);
      socket.onAny(onEvent);
    }
    table.set(event, handler as AnyHandler<EventSocket>);
  };
}

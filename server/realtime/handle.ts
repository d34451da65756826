import * as v from 'valibot';
import type { Logger } from 'pino';
import { AppError, type Ack, type AckError } from '../../shared/errors';
import { malformedInput } from '../input-guard';

type SchemaTable<R> = { [K in keyof R]: R[K] extends { in: infer I } ? v.GenericSchema<unknown, I> : never };
type In<R, K extends keyof R> = R[K] extends { in: infer I } ? I : never;
type Out<R, K extends keyof R> = R[K] extends { out: infer O } ? O : never;

interface RawSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

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
 * The one validating wrapper for inbound events of a namespace: checks there is an ack to answer
 * (else the event is dropped), validates the payload with the event's schema, runs the handler, and
 * answers `{ ok, data }` or `{ ok: false, error }`. No handler parses its own input.
 */
export function createRegistrar<R>(schemas: SchemaTable<R>, log: Logger) {
  return function on<K extends keyof R & string>(
    socket: RawSocket,
    event: K,
    handler: (input: In<R, K>) => Out<R, K> | Promise<Out<R, K>>,
  ): void {
    socket.on(event, async (...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function') return;
      const reply = ack as (a: Ack<Out<R, K>>) => void;
      if (args.length !== 2) {
        reply({ ok: false, error: { code: 'invalid_payload', message: 'Expected exactly one payload and an acknowledgement.' } });
        return;
      }
      const malformed = malformedInput(args[0]);
      if (malformed) {
        reply({ ok: false, error: { code: 'invalid_payload', message: malformed } });
        return;
      }
      const parsed = v.safeParse(schemas[event] as v.GenericSchema<unknown, In<R, K>>, args[0]);
      if (!parsed.success) {
        reply({ ok: false, error: { code: 'invalid_payload', message: describeIssues(parsed.issues) } });
        return;
      }
      try {
        reply({ ok: true, data: await handler(parsed.output) });
      } catch (error) {
        reply({ ok: false, error: toAckError(error, log, event) });
      }
    });
  };
}

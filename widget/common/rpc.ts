/** Emit-with-acknowledgement as a promise, in the one ack shape of shared/errors.ts. */
import type { Ack, AckError } from '../../shared/errors';

export class RpcError extends Error {
  constructor(readonly error: AckError) {
    super(error.message);
  }
}

interface Emitter {
  timeout(ms: number): { emit(event: string, payload: unknown, cb: (err: Error | null, ack: Ack<unknown>) => void): void };
}

/**
 * Resolves with `data`, or rejects with RpcError (the server said no) or a plain Error (no answer in
 * time: the caller may retry).
 */
export function rpc<T>(socket: unknown, event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    (socket as Emitter).timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) reject(new Error('no answer'));
      else if (ack.ok) resolve(ack.data as T);
      else reject(new RpcError(ack.error));
    });
  });
}

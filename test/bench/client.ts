/** socket.io-client helpers shared by the orchestrator and the load-generator processes. */
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '../../shared/errors';

/** A WebSocket-only connection without reconnection; resolves once connected. */
export function connectSocket(url: string, headers: Record<string, string>): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(error));
  });
}

/** Emits `event` with an acknowledgement; an unanswered call resolves as an `internal` error after `timeoutMs`. */
export function call(socket: Socket, event: string, payload: unknown, timeoutMs = 30_000): Promise<Ack<unknown>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, error: { code: 'internal', message: 'no answer in time' } }), timeoutMs);
    (socket as unknown as { emit: (...a: unknown[]) => void }).emit(event, payload, (ack: Ack<unknown>) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

import type { Socket } from 'socket.io-client';
import type { Ack } from '../../shared/errors';
import { VisitorEvent } from '../../shared/protocol';
import { newClientId } from './durable-clients';
import { call, connected, operatorClient, signIn, type OperatorClient, type VisitorClient } from './test-app';

/** The sockets one suite opened, so that a single `afterEach(sockets.closeAll)` closes them. */
export interface SocketTracker {
  /** Remembers `socket` for closing and returns it. */
  track<S extends Socket>(socket: S): S;
  /** Closes every socket remembered since the last call. */
  closeAll(): void;
}

/** A fresh tracker for one test file: `const sockets = socketTracker(); afterEach(sockets.closeAll)`. */
export function socketTracker(): SocketTracker {
  const open: Socket[] = [];
  return {
    track(socket) {
      open.push(socket);
      return socket;
    },
    closeAll() {
      for (const socket of open.splice(0)) socket.close();
    },
  };
}

/** The data of a successful ack; throws with the error code when it failed. */
export function unwrap<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/** The error code of a failed ack, or null for a successful one. */
export function errorCode(ack: Ack<unknown>): string | null {
  return ack.ok ? null : ack.error.code;
}

/** Sends a visitor message (expecting success); returns its conversation's id. */
export async function say(socket: VisitorClient, text: string): Promise<string> {
  return unwrap(await call(socket, VisitorEvent.messageSend, { clientId: newClientId(), text })).message.conversationId;
}

/** A connected operator socket, tracked for closing; signs in as the first admin unless given a cookie. */
export async function signedInOperator(url: string, sockets: SocketTracker, cookie?: string): Promise<OperatorClient> {
  const socket = sockets.track(operatorClient(url, cookie ?? (await signIn(url))));
  await connected(socket);
  return socket;
}

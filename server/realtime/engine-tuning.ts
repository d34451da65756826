import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket as TcpSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Server } from 'socket.io';

/** The parts of Engine.IO's WebSocket transport this file touches. */
interface WebSocketTransport {
  /** The `ws` WebSocket; `_socket` is its TCP socket. */
  socket: { _socket?: TcpSocket | null };
  send(packets: unknown[]): void;
}

/** The parts of the Engine.IO server and its connections this file touches. */
interface EngineServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  middlewares?: unknown[];
  on(event: 'connection', listener: (connection: { request: IncomingMessage | HandshakeRequest }) => void): unknown;
}

/** What Socket.IO reads of a connection's first request, once per namespace joined (`socket.handshake`). */
interface HandshakeRequest {
  headers: IncomingMessage['headers'];
  url: string | undefined;
  _query: unknown;
  connection: { encrypted: boolean };
}

const CORKED = Symbol.for('chat-widget.engine-tuning.corked');

/** Engine.IO's WebSocket transport class: the one the installed Socket.IO itself loads. */
function webSocketTransport(): { prototype: WebSocketTransport & { [CORKED]?: true } } {
  const fromSocketIo = createRequire(createRequire(import.meta.url).resolve('socket.io'));
  return (fromSocketIo('engine.io') as { transports: { websocket: { prototype: WebSocketTransport } } }).transports.websocket;
}

/**
 * **One write per batch.** While a WebSocket write is in flight Engine.IO queues further packets and then
 * sends the queue frame by frame, each frame its own `writev` system call. An operator gets a packet for
 * every visitor message in the inbox, so a busy chat with several consoles open makes a system call per
 * message per console, and the server's CPU goes to system calls rather than to chat. Corking the TCP
 * socket around the queue's send turns each queue into one call. Done once, on the transport's prototype:
 * a bound function and a closure per connection would add to every visitor's connection, whose memory is
 * budgeted. Covers connections upgraded from polling too; polling itself is untouched (its packets
 * already leave in one HTTP response).
 */
function corkWebSocketBatches(): void {
  const proto = webSocketTransport().prototype;
  if (proto[CORKED]) return;
  const send = proto.send;
  proto.send = function (this: WebSocketTransport, packets: unknown[]): void {
    const tcp = this.socket._socket;
    if (packets.length < 2 || !tcp || tcp.destroyed) {
      send.call(this, packets);
      return;
    }
    tcp.cork();
    try {
      send.call(this, packets);
    } finally {
      tcp.uncork();
    }
  };
  proto[CORKED] = true;
}

/**
 * The request headers anything reads after the handshake: the widget's device summary (user-agent), the
 * console's session (cookie), the client address behind a proxy (x-forwarded-for), and Socket.IO's
 * cross-origin flag (origin). A browser sends a dozen more — the WebSocket key, accepted encodings and
 * languages, caching hints — which would otherwise stay with each connection for its whole life.
 */
const KEPT_HEADERS = ['user-agent', 'cookie', 'x-forwarded-for', 'origin'] as const;

function keptHeaders(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const kept: Record<string, string | string[]> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/**
 * **The handshake request is let go.** Engine.IO keeps a connection's first HTTP request for its whole
 * life — as `connection.request`, and, for a WebSocket, a second time through a relay of the TCP socket's
 * `close` to the response object it made for Engine.IO middlewares (`WebSocketResponse`, which holds the
 * request). Socket.IO reads only the headers, URL, query and TLS flag of it when a namespace is joined
 * (`socket.handshake`, which sign-in and the per-network limits use), so the connection keeps just those
 * (and of the headers only those read later, above), and the relay — which only Engine.IO middlewares
 * listen to, and this server has none — is removed when the upgrade has been handled. The request, its
 * parser state and raw headers, the response object and the relay are memory every connection would
 * otherwise carry for its whole life. Both go: slimming the request alone frees nothing while the relay
 * still holds it.
 */
function releaseHandshakeRequests(engine: EngineServer): void {
  engine.on('connection', (connection) => {
    const request = connection.request as IncomingMessage & { _query: unknown };
    const slim: HandshakeRequest = {
      headers: keptHeaders(request.headers),
      url: request.url,
      _query: request._query,
      connection: { encrypted: (request.socket as TLSSocket | null)?.encrypted === true },
    };
    connection.request = slim;
  });
  const handleUpgrade = engine.handleUpgrade;
  engine.handleUpgrade = function (this: EngineServer, req, socket, head): void {
    const before = socket.rawListeners('close');
    handleUpgrade.call(this, req, socket, head);
    if (this.middlewares?.length) return;
    // The relay is the one `once('close')` listener the upgrade adds (a once-listener's wrapper carries
    // the listener as `.listener`); ws's own `close` listener is a plain one and stays.
    for (const listener of socket.rawListeners('close') as Array<(...args: unknown[]) => void>) {
      if (!before.includes(listener) && 'listener' in listener) socket.removeListener('close', listener);
    }
  };
}

/**
 * Tuning of the Engine.IO layer under Socket.IO, for the server's CPU per message and memory per connection.
 * What each part bought is in test/bench/RESULTS.md ("Figures formerly in code comments"); memory per
 * connection is measured with `npm run bench -- --connect-only`.
 */
export function tuneEngine(io: Server): void {
  corkWebSocketBatches();
  releaseHandshakeRequests(io.engine as unknown as EngineServer);
}

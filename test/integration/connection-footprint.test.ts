/**
 * What each connection keeps on the server (memory per visitor is a budget: 10,000 visitors, measured by
 * `npm run bench -- --connect-only`), and that keeping less took nothing away: the handshake still says
 * who connected, and queued WebSocket writes still leave as one.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket as TcpSocket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPERATOR_NAMESPACE, VISITOR_NAMESPACE, VisitorEvent } from '../../shared/protocol';
import { connected, ok, operatorClient, signIn, startTestApp, visitorClient, type TestApp, type VisitorClient } from '../helpers/test-app';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('what a connection keeps', () => {
  let t: TestApp;
  const clients: Array<{ close(): unknown }> = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await t?.close();
  });

  const serverSockets = (namespace: string) => [...t.app.io.of(namespace).sockets.values()];

  test('every visitor socket has the one shared listener and no listener per event', async () => {
    const visitors = [visitorClient(t.url), visitorClient(t.url)];
    clients.push(...visitors);
    for (const visitor of visitors) await ok(visitor, VisitorEvent.hello, {});
    const sockets = serverSockets(VISITOR_NAMESPACE);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    const shared = sockets[0].listenersAny();
    expect(shared).toHaveLength(1);
    for (const socket of sockets) {
      expect(socket.listenersAny()).toEqual(shared);
      // Only Socket.IO's own no-op `error` listener.
      expect(socket.eventNames()).toEqual(['error']);
    }

    const operator = operatorClient(t.url, await signIn(t.url));
    clients.push(operator);
    await connected(operator);
    const [consoleSocket] = serverSockets(OPERATOR_NAMESPACE);
    expect(consoleSocket.listenersAny()).toHaveLength(1);
    expect(consoleSocket.eventNames().filter((name) => String(name).includes(':'))).toEqual([]);
  });

  test('the upgrade request is let go once the connection is up, and the handshake still says who connected', async () => {
    const requests: Array<WeakRef<IncomingMessage>> = [];
    const keep = (req: IncomingMessage) => {
      if (req.url?.startsWith('/socket.io/')) requests.push(new WeakRef(req));
    };
    t.app.server.on('upgrade', keep);
    const visitor: VisitorClient = connect(`${t.url}${VISITOR_NAMESPACE}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: {
        'x-forwarded-for': '203.0.113.7',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      },
    });
    clients.push(visitor);
    await ok(visitor, VisitorEvent.hello, { page: { url: 'https://shop.example/cart', title: 'Cart' } });
    t.app.server.off('upgrade', keep);
    expect(requests).toHaveLength(1);

    const socket = serverSockets(VISITOR_NAMESPACE).find((s) => s.handshake.headers['x-forwarded-for'] === '203.0.113.7')!;
    expect(socket.handshake).toMatchObject({
      address: '127.0.0.1',
      secure: false,
      xdomain: false,
      query: { EIO: '4', transport: 'websocket' },
    });
    expect(socket.handshake.url).toMatch(/^\/socket\.io\/\?EIO=4&transport=websocket/);
    expect(socket.data.page).toMatchObject({ url: 'https://shop.example/cart', device: expect.stringContaining('Firefox') });
    // Of the headers only those read later stay (the WebSocket key, accept-*, host… go with the request).
    expect(Object.keys(socket.handshake.headers).sort()).toEqual(['user-agent', 'x-forwarded-for']);

    // Let the turn that handled the upgrade end, then collect: nothing may still hold the request.
    for (let i = 0; i < 3 && requests[0].deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(requests[0].deref()).toBeUndefined();

    // The TCP socket's close still reaches Socket.IO: a dropped client leaves the namespace.
    const left = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket.destroy();
    expect(await left).toBe('transport close');
  });

  test('a connection that starts on long-polling and upgrades to a WebSocket works as before', async () => {
    const visitor: VisitorClient = connect(`${t.url}${VISITOR_NAMESPACE}`, {
      transports: ['polling', 'websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { 'x-forwarded-for': '203.0.113.9' },
    });
    clients.push(visitor);
    const upgraded = new Promise<string>((resolve) =>
      visitor.io.engine.once('upgrade', (transport: { name: string }) => resolve(transport.name)),
    );
    await ok(visitor, VisitorEvent.hello, {});
    expect(await upgraded).toBe('websocket');
    // Answered over the WebSocket, after the server has read the upgrade that came before it on the same socket.
    expect((await ok(visitor, VisitorEvent.messageHistory, {})).messages).toEqual([]);
    const socket = serverSockets(VISITOR_NAMESPACE).find((s) => s.id === visitor.id)!;
    expect(socket.conn.transport.name).toBe('websocket');
    expect(socket.handshake).toMatchObject({ headers: { 'x-forwarded-for': '203.0.113.9' }, query: { transport: 'polling' } });
  });

  test('packets queued behind a WebSocket write are written with the TCP socket corked (one write for the batch)', async () => {
    const visitor = visitorClient(t.url);
    clients.push(visitor);
    await ok(visitor, VisitorEvent.hello, {});
    const socket = serverSockets(VISITOR_NAMESPACE).find((s) => s.id === visitor.id)!;
    const ws = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket; send(...args: unknown[]): void } }).socket;
    // How corked the TCP socket is as each frame is handed to it.
    const corkedAtFrame: number[] = [];
    const send = ws.send;
    ws.send = function (this: unknown, ...args: unknown[]) {
      corkedAtFrame.push(ws._socket.writableCorked);
      return send.apply(this, args);
    };
    const received: number[] = [];
    const all = new Promise<void>((resolve) =>
      (visitor as unknown as { on(event: string, listener: (state: { n: number }) => void): void }).on('test:batch', (state) => {
        received.push(state.n);
        if (received.length === 3) resolve();
      }),
    );
    // The first goes out at once; the other two queue behind its write and go together.
    for (const n of [1, 2, 3]) (socket as unknown as { emit(event: string, payload: unknown): void }).emit('test:batch', { n });
    await all;
    expect(received).toEqual([1, 2, 3]);
    expect(corkedAtFrame).toEqual([0, 1, 1]);
  });
});

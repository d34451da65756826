import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { startApp, type App } from '../../server/app';
import type { Clock } from '../../server/platform/clock';
import { loadConfig, type Config } from '../../server/config';
import { openDatabase, type Db } from '../../server/db/open';
import {
  OPERATOR_NAMESPACE,
  VISITOR_NAMESPACE,
  type OperatorClientToServer,
  type OperatorRpc,
  type OperatorServerToClient,
  type VisitorClientToServer,
  type VisitorRpc,
  type VisitorServerToClient,
} from '../../shared/protocol';
import type { Ack } from '../../shared/errors';
import { TestSmtp } from './smtp';

export const ADMIN = { email: 'admin@example.test', password: 'correct horse battery staple' };

export type VisitorClient = Socket<VisitorServerToClient, VisitorClientToServer>;
export type OperatorClient = Socket<OperatorServerToClient, OperatorClientToServer>;

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 25, 10, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestApp {
  app: App;
  db: Db;
  url: string;
  dir: string;
  config: Config;
  smtp: TestSmtp;
  close(): Promise<void>;
}

/** The real app on port 0, a temp SQLite file, a loopback SMTP server, and a first admin. */
export async function startTestApp(
  options: {
    clock?: Clock;
    env?: Record<string, string>;
    bundleDir?: string /** Where the app logs (silent by default). */;
    log?: Logger;
  } = {},
): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-test-'));
  const smtp = await new TestSmtp().start();
  const config = {
    ...loadConfig({
      PORT: '0',
      DATABASE_PATH: path.join(dir, 'chat.db'),
      SMTP_URL: smtp.url,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    }),
    ...(options.bundleDir ? { bundleDir: options.bundleDir } : {}),
  };
  // The app's connection becomes read-only (its writes go through the writer thread); tests read, and
  // now and then arrange a state, through a connection of their own, as another process would.
  const appDb = openDatabase(config.databasePath);
  const app = await startApp({ config, db: appDb, clock: options.clock, log: options.log, port: 0, host: '127.0.0.1' });
  const db = openDatabase(config.databasePath);
  await app.services.auth.ensureFirstAdmin(ADMIN.email, ADMIN.password);
  return {
    app,
    db,
    // Where tests reach it (PUBLIC_URL may name a proxy in front that does not exist here).
    url: `http://127.0.0.1:${app.port}`,
    dir,
    config: app.config,
    smtp,
    async close() {
      await app.close();
      await smtp.stop();
      db.close();
      appDb.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A visitor socket (not yet connected), sending `extraHeaders` with its handshake. */
export function visitorClient(url: string, extraHeaders: Record<string, string> = {}): VisitorClient {
  return connect(`${url}${VISITOR_NAMESPACE}`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders });
}

/** Signs in over HTTP and returns the session cookie. */
export async function signIn(url: string, email = ADMIN.email, password = ADMIN.password): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** An operator socket (not yet connected), with the session `cookie` if any. */
export function operatorClient(url: string, cookie: string | null): OperatorClient {
  return connect(`${url}${OPERATOR_NAMESPACE}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: cookie ? { cookie } : {},
  });
}

/** Resolves once `socket` is connected; rejects on a refused handshake. */
export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

type Rpc = VisitorRpc & OperatorRpc;

/** Emits an event and resolves with its ack (whatever it says). */
export function call<K extends keyof Rpc & string>(socket: Socket, event: K, payload: Rpc[K]['in'] | unknown): Promise<Ack<Rpc[K]['out']>> {
  return new Promise((resolve) => (socket as unknown as { emit: (...a: unknown[]) => void }).emit(event, payload, resolve));
}

/** Emits and expects success; returns the data. */
export async function ok<K extends keyof Rpc & string>(socket: Socket, event: K, payload: Rpc[K]['in']): Promise<Rpc[K]['out']> {
  const ack = await call(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Resolves with the next `event` on `socket` that matches. */
export function next<T>(socket: Socket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { freePort, stopServer } from './server-binaries';

/** Where Debian's redis-server package puts the server. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** What a machine without it needs. */
const INSTALL_HINT = 'apt-get install -y --no-install-recommends redis-server';

const SETPRIV = '/usr/bin/setpriv';
const READY_WITHIN_MS = 10_000;
const STOP_WITHIN_MS = 10_000;

/** A real Redis server of its own for one test file, on loopback, persisting nothing. */
export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Everything the server printed so far (its current run). */
  output(): string;
  /** Stops the server (SIGTERM) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server and starts a fresh one on the same port (empty: nothing is saved); resolves once it answers. */
  restart(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port, resolved once it answers PING. A missing binary is an error that
 * says what to install, never a skip: these tests must run wherever the suite runs (`.ci/run` installs
 * it). `bin` is for the test of that error.
 */
export async function startRedis(options: { bin?: string } = {}): Promise<TestRedis> {
  const bin = options.bin ?? REDIS_SERVER;
  if (!fs.existsSync(bin)) throw new Error(`Redis is not installed (no ${bin}). Install it with: ${INSTALL_HINT}`);
  // A port taken between finding it free and the server binding it is tried again with another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await server(bin, port);
    } catch (err) {
      if (attempt === 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

async function server(bin: string, port: number): Promise<TestRedis> {
  let current = await launch(bin, port);
  let stopping: Promise<void> | null = null;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => current.output(),
    stop() {
      stopping ??= current.stop();
      return stopping;
    },
    async restart() {
      await current.stop();
      // The port was ours a moment ago; a restart that loses it to someone else fails the test, as it should.
      current = await launch(bin, port);
      stopping = null;
    },
  };
}

/** The server could not bind its port: someone took it after freePort() found it free. */
class PortTaken extends Error {}

interface Running {
  output(): string;
  stop(): Promise<void>;
}

/**
 * One run of redis-server. util-linux's setpriv execs it with a parent-death signal: a test process killed
 * outright (a timeout, ^C) takes its server with it instead of leaving it running.
 */
async function launch(bin: string, port: number): Promise<Running> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', os.tmpdir()];
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const child = fs.existsSync(SETPRIV)
    ? spawn(SETPRIV, ['--pdeathsig=TERM', '--', bin, ...args], { env, stdio })
    : spawn(bin, args, { env, stdio });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that ends without its afterAll must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    await shutDown(child, exited);
    process.removeListener('exit', killOnExit);
  };
  try {
    await waitUntilReady(port, child, () => text);
  } catch (err) {
    await stop();
    if (/Address already in use/.test(text)) throw new PortTaken(text);
    throw err;
  }
  return { output: () => text, stop };
}

/** PINGs until the server answers PONG, failing fast if it has exited. */
async function waitUntilReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited before it was ready:\n${output()}`);
    if (await pong(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within ${READY_WITHIN_MS / 1000} s:\n${output()}`);
    // Between attempts only: the loop ends on the first PONG.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One PING over a plain socket (no client library: the helper must not depend on what it helps test). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** SIGTERM is Redis's clean shutdown (with --save '' it writes nothing); SIGKILL if it hangs. */
function shutDown(child: ChildProcess, exited: Promise<void>): Promise<void> {
  return stopServer(child, exited, 'SIGTERM', STOP_WITHIN_MS);
}

/** What every node of a test cluster shares besides Redis: the same secrets, as REDIS_URL requires. */
export const CLUSTER_SECRETS = {
  HMAC_KEY: Buffer.alloc(32, 7).toString('base64'),
  IDENTITY_SECRET: 'test cluster identity secret',
} as const;

/** The environment of one node of a test cluster on `url`. */
export function clusterEnv(url: string): Record<string, string> {
  return { REDIS_URL: url, ...CLUSTER_SECRETS };
}

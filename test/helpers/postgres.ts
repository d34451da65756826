import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, stopServer } from './server-binaries';

/** Where Debian's postgresql-15 package puts the server binaries. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** What a machine without the binaries needs (Debian 12 ships PostgreSQL 15). */
const INSTALL_HINT = 'apt-get update && apt-get install -y --no-install-recommends postgresql';

const SETPRIV = '/usr/bin/setpriv';
const READY_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 20_000;

/** A real PostgreSQL server of its own for one test file, on loopback, trusting every local connection. */
export interface TestPostgres {
  port: number;
  /** The connection string for `database` (default `postgres`) as the superuser `postgres`. */
  url(database?: string): string;
  /** A fresh, empty database (UTF8, the cluster's C.UTF-8 locale unless `options` say otherwise); returns its URL. */
  createDatabase(options?: { ctype?: string }): Promise<string>;
  /** Everything the server printed so far. */
  output(): string;
  /** Fast shutdown (SIGINT), waits for the server to exit, removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL 15 in a fresh temp directory: `initdb`, then `postgres` on a free port, resolved once it
 * accepts connections. Run as root (CI), both run as the `postgres` OS user, which owns the directory
 * (PostgreSQL refuses to run as root); run as anyone else, as that user. Missing binaries are an error
 * that says what to install, never a skip: these tests must run wherever the suite runs. `bin` is for
 * the test of that error.
 */
export async function startPostgres(options: { bin?: string } = {}): Promise<TestPostgres> {
  const bin = options.bin ?? POSTGRES_BIN;
  if (!fs.existsSync(path.join(bin, 'postgres')) || !fs.existsSync(path.join(bin, 'initdb'))) {
    throw new Error(`PostgreSQL 15 is not installed (no ${bin}/postgres). Install it with: ${INSTALL_HINT}`);
  }
  const owner = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pg-'));
  let server: TestPostgres | null = null;
  try {
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    const data = path.join(dir, 'data');
    run(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'],
      owner,
    );
    // A port taken between finding it free and the server binding it is tried again with another.
    for (let attempt = 1; !server; attempt++) {
      try {
        server = await launch(bin, dir, data, await freePort(), owner);
      } catch (err) {
        if (attempt === 3 || !(err instanceof PortTaken)) throw err;
      }
    }
    return server;
  } finally {
    if (!server) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The `postgres` OS user when we are root (the server must not run as root); null means "as ourselves". */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root, but there is no "postgres" OS user to run PostgreSQL as. Install the server with: ${INSTALL_HINT}`);
  }
}

/** Runs one of the server's tools to completion as `owner`; its output becomes the error's text on failure. */
function run(tool: string, args: string[], owner: { uid: number; gid: number } | null): void {
  try {
    execFileSync(tool, args, {
      ...(owner ?? {}),
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${path.basename(tool)} failed: ${stderr?.toString() ?? ''}${stdout?.toString() ?? ''}`);
  }
}

/** The postmaster could not bind its port: someone took it after freePort() found it free. */
class PortTaken extends Error {}

/**
 * Starts the postmaster and polls with a real connection until it answers, giving up when it exits or
 * after READY_WITHIN_MS. util-linux's setpriv switches to the owner and then execs the server (so the pid
 * we signal is the postmaster's) with a parent-death signal: a test process killed outright (a timeout, ^C)
 * takes its server with it instead of leaving it running. Without setpriv, Node switches the user itself.
 */
async function launch(
  bin: string,
  dir: string,
  data: string,
  port: number,
  owner: { uid: number; gid: number } | null,
): Promise<TestPostgres> {
  // fsync off: a test cluster is thrown away, durability costs time here and buys nothing.
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`];
  args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const postgres = path.join(bin, 'postgres');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  const child = fs.existsSync(SETPRIV)
    ? spawn(
        SETPRIV,
        [...(owner ? [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups'] : []), '--pdeathsig=INT', '--', postgres, ...args],
        { cwd: os.tmpdir(), env, stdio },
      )
    : spawn(postgres, args, { ...(owner ?? {}), cwd: os.tmpdir(), env, stdio });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that ends without its afterAll (an uncaught error) must not leave a server behind.
  const killOnExit = () => {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await shutDown(child, exited);
      process.removeListener('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await waitUntilReady(url(), child, () => text);
  } catch (err) {
    await shutDown(child, exited);
    process.removeListener('exit', killOnExit);
    if (/could not bind|Address already in use/.test(text)) throw new PortTaken(text);
    throw err;
  }

  let databases = 0;
  return {
    port,
    url,
    async createDatabase(options = {}) {
      const name = `test_${++databases}`;
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        // template0: the only template a database with another LC_CTYPE may be copied from.
        const ctype = options.ctype ? ` LC_CTYPE '${options.ctype.replace(/'/g, "''")}'` : '';
        await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'${ctype}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    output: () => text,
    stop,
  };
}

/** Connects until the server answers (it refuses while starting up), failing fast if it has exited. */
async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited before it was ready:\n${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections within ${READY_WITHIN_MS / 1000} s (${err}):\n${output()}`);
    } finally {
      await client.end().catch(() => {});
    }
    // Between attempts only: the loop ends on the first connection that works.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGINT is PostgreSQL's fast shutdown (sessions are ended, nothing waits for them); SIGKILL if it hangs. */
function shutDown(child: ChildProcess, exited: Promise<void>): Promise<void> {
  return stopServer(child, exited, 'SIGINT', STOP_WITHIN_MS);
}

/**
 * The processes of a bench run: the production build of the server (an esbuild bundle of
 * server/index.ts, packages left external) and the load generators, each with its file-descriptor
 * limit raised as far as the system allows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ProbeRequest, ProbeStats } from '../../server/platform/bench-probe';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
import type { WorkerCommand, WorkerInit, WorkerReply } from './messages';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_BUNDLE = path.join(ROOT, 'dist/server/index.js');

/** Bundles the server as it would be deployed: one ESM file, dependencies from node_modules. */
export async function buildServer(): Promise<void> {
  await build({
    // The worker threads' entries are bundled beside the server's; the server starts them from there.
    entryPoints: ['index.ts', 'writer/writer-thread.ts', 'mail/mail-thread.ts'].map((entry) => path.join(ROOT, 'server', entry)),
    outdir: path.dirname(SERVER_BUNDLE),
    outbase: path.join(ROOT, 'server'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The server serves its static pages from beside its code.
  fs.cpSync(path.join(ROOT, 'server/public'), path.join(path.dirname(SERVER_BUNDLE), 'public'), { recursive: true });
}

/** Runs `argv` through sh with `ulimit -n` raised (to 65536, or the hard limit when that is lower). */
function withFileLimit(argv: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';
  return spawn('sh', ['-c', script, 'sh', ...argv], options);
}

export interface ServerHandle {
  child: ChildProcess;
  url: string;
  output(): string;
  probe(options?: { gc?: boolean; reset?: boolean }): Promise<ProbeStats>;
  /** Starts a CPU profile of the server; `profileStop(file)` writes it. */
  profileStart(): Promise<void>;
  profileStop(file: string): Promise<void>;
  stop(): Promise<number | string>;
}

/**
 * The Node/V8 options `npm start` runs the server with (package.json's start script, the one place they are
 * set), so the bundle is measured as it runs in production; `--import tsx` compiles the sources, which the
 * bundle needs not.
 */
export function productionNodeFlags(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.split(/\s+/);
  if (words[0] !== 'node') return [];
  const flags: string[] = [];
  for (let i = 1; i < words.length && words[i].startsWith('--'); i++) {
    if (words[i] === '--import') i++;
    else flags.push(words[i]);
  }
  return flags;
}

/** `nodeFlags`: V8/Node options for the server process besides production's (`npm run bench -- --node-flags …`). */
export function startServer(env: Record<string, string>, nodeFlags: string[] = []): Promise<ServerHandle> {
  const child = withFileLimit([process.execPath, '--expose-gc', ...productionNodeFlags(), ...nodeFlags, SERVER_BUNDLE], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BUILD_BUNDLES: 'false',
      CW_BENCH_PROBE: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let text = '';
  let ready = false;
  let nextId = 1;
  const waiting = new Map<number, (stats: ProbeStats) => void>();
  child.on('message', (raw) => {
    const { id, stats } = raw as { id: number; stats: ProbeStats };
    waiting.get(id)?.(stats);
    waiting.delete(id);
  });
  const ask = (request: DistributiveOmit<ProbeRequest, 'id'>) =>
    new Promise<ProbeStats>((answer, fail) => {
      const id = nextId++;
      const guard = setTimeout(() => fail(new Error(`the server did not answer ${request.kind} within 30 s`)), 30_000);
      waiting.set(id, (stats) => {
        clearTimeout(guard);
        answer(stats);
      });
      child.send({ id, ...request });
    });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 30 s:\n${text}`));
    }, 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /Demo site:\s+https?:\/\/[^:/\s]+:(\d+)\//.exec(text);
      if (!match || ready) return;
      ready = true;
      clearTimeout(timer);
      resolve({
        child,
        url: `http://127.0.0.1:${match[1]}`,
        output: () => text,
        probe: (options = {}) => ask({ kind: 'stats', ...options }),
        profileStart: async () => void (await ask({ kind: 'profile-start' })),
        profileStop: async (file) => void (await ask({ kind: 'profile-stop', file })),
        async stop() {
          child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const how = await exited;
          clearTimeout(force);
          return how;
        },
      });
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${how}) before it was ready:\n${text}`));
    });
  });
}

export interface WorkerHandle {
  child: ChildProcess;
  /** Sends a command and resolves with the next reply of type `type`. */
  ask<T extends WorkerReply['type']>(message: WorkerInit | WorkerCommand, type: T): Promise<Extract<WorkerReply, { type: T }>>;
  kill(): void;
}

export function startWorker(): WorkerHandle {
  // BENCH_GENERATOR_NICE=N: the generators (visitors, operators, and the privacy process with its
  // requesters and SMTP server) run at nice N and yield the CPU to the server, standing in for clients and a
  // mail server on other machines; the default run leaves them at the server's priority.
  const nice = Number(process.env.BENCH_GENERATOR_NICE ?? 0);
  const argv = [process.execPath, '--import', 'tsx', path.join(ROOT, 'test/bench/load-worker.ts')];
  const child = withFileLimit(nice > 0 ? ['nice', '-n', String(nice), ...argv] : argv, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const listeners = new Set<(reply: WorkerReply) => void>();
  child.on('message', (raw) => {
    for (const listener of [...listeners]) listener(raw as WorkerReply);
  });
  return {
    child,
    ask(message, type) {
      return new Promise((resolve, reject) => {
        const listener = (reply: WorkerReply) => {
          if (reply.type === 'error') {
            listeners.delete(listener);
            reject(new Error(`load generator failed: ${reply.message}`));
          } else if (reply.type === type) {
            listeners.delete(listener);
            resolve(reply as Extract<WorkerReply, { type: typeof type }>);
          }
        };
        listeners.add(listener);
        child.send(message);
      });
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

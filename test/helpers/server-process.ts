import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * The real server entry (`server/index.ts`) as a child process, on loopback, so tests can kill it for
 * real. Resolves once it prints its address. `port` 0 picks a free one; pass the same port to restart
 * "the same" server. With `bundleDir` the server builds the browser bundles there at start, as
 * `npm start` does; without, it serves the ones the test setup built, without building.
 */
export function startServerProcess(options: {
  databasePath: string;
  bundleDir?: string;
  port?: number;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      DATABASE_PATH: options.databasePath,
      BUNDLE_DIR: options.bundleDir ?? path.join(ROOT, 'dist/test-public'),
      // Built once by the test setup; these tests need the server, not the widget.
      BUILD_BUNDLES: options.bundleDir ? 'true' : 'false',
      LOG_LEVEL: 'warn',
      SMTP_URL: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 30 s:\n${text}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /Demo site:\s+https?:\/\/[^:/\s]+:(\d+)\//.exec(text);
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({ child, port, url: `http://127.0.0.1:${port}`, output: () => text, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${how}) before it was ready:\n${text}`));
    });
  });
}

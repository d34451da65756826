import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * What the helpers that run a real server binary for a test file share (postgres.ts, redis.ts): a free
 * port to start it on, and a stop that waits for it to exit.
 */

/** A port nobody listens on right now: the kernel's pick for port 0, released at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Sends `signal` (the server's own clean or fast shutdown), waits for the exit; SIGKILL if it hangs past `withinMs`. */
export async function stopServer(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals, withinMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), withinMs)));
  if ((await Promise.race([exited, hung])) === 'hung') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

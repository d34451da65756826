import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerProcess } from './server-process';

/** Undo steps for one test file, run last-in first-out: `const cleanup = cleanupStack('cw-x-'); afterEach(cleanup.runAll)`. */
export interface CleanupStack {
  /** Adds a step (sync or async) to run after the test. */
  push(step: () => unknown): void;
  /** Runs every step added since the last call, newest first. */
  runAll(): Promise<void>;
  /** A fresh temp directory, removed after the test. */
  tempDir(): string;
  /** Kills `server` after the test unless it has already ended; returns it. */
  track(server: ServerProcess): ServerProcess;
}

/** A fresh cleanup stack; temp directories are named after `tempPrefix`. */
export function cleanupStack(tempPrefix = 'cw-test-'): CleanupStack {
  const steps: Array<() => unknown> = [];
  const push = (step: () => unknown) => void steps.push(step);
  return {
    push,
    async runAll() {
      for (const step of steps.splice(0).reverse()) await step();
    },
    tempDir() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), tempPrefix));
      push(() => fs.rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    track(server) {
      push(() => server.child.exitCode === null && server.child.signalCode === null && server.child.kill('SIGKILL'));
      return server;
    },
  };
}

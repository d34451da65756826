import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BACKGROUND_NICE } from '../../server/thread-priority';

const run = promisify(execFile);
let dir = '';

/**
 * A CommonJS child (its modules load synchronously, so nothing reaches libuv's thread pool before the
 * worker): the main thread optionally starts the pool, then a worker lowers its own priority and makes the
 * first DNS lookup. It prints every thread's nice value, the worker's thread id and the process's nice.
 */
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-nice-'));
  await build({ entryPoints: [path.resolve('server/thread-priority.ts')], outfile: path.join(dir, 'thread-priority.cjs'), bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  fs.writeFileSync(
    path.join(dir, 'worker.cjs'),
    `const { lowerThreadPriority, BACKGROUND_NICE } = require('./thread-priority.cjs');
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
lowerThreadPriority(BACKGROUND_NICE);
const link = fs.readlinkSync('/proc/thread-self');
require('node:dns').lookup('localhost', () => parentPort.postMessage(Number(link.slice(link.lastIndexOf('/') + 1))));
`,
  );
  fs.writeFileSync(
    path.join(dir, 'child.cjs'),
    `const { startThreadPool } = require('./thread-priority.cjs');
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
if (process.argv[2] === 'start-pool') startThreadPool();
const worker = new Worker(require('node:path').join(__dirname, 'worker.cjs'));
worker.once('message', (workerTid) => {
  const nices = {};
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
      nices[tid] = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    } catch {}
  }
  console.log(JSON.stringify({ pid: process.pid, workerTid, nices }));
  process.exit(0);
});
`,
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function threadsOfChild(startPool: boolean) {
  const { stdout } = await run(process.execPath, [path.join(dir, 'child.cjs'), ...(startPool ? ['start-pool'] : [])]);
  const { pid, workerTid, nices } = JSON.parse(stdout) as { pid: number; workerTid: number; nices: Record<string, number> };
  const own = nices[pid];
  const lowered = Object.entries(nices).filter(([tid, nice]) => nice !== own && Number(tid) !== workerTid);
  return { own, worker: nices[workerTid], lowered };
}

describe('lowering a thread\'s priority', () => {
  test('lowers that thread only; with the pool started first, the pool keeps the process\'s priority', async () => {
    const { own, worker, lowered } = await threadsOfChild(true);
    expect(worker).toBe(Math.max(BACKGROUND_NICE, own));
    expect(lowered).toEqual([]);
  });

  test('without the pool started first, the pool is born in the lowered thread and inherits its priority (why the mailer starts it)', async () => {
    const { own, lowered } = await threadsOfChild(false);
    // Threads other than the worker came out lowered: the pool's, created by the worker's lookup.
    expect(own).toBeLessThan(BACKGROUND_NICE);
    expect(lowered.length).toBeGreaterThan(0);
    expect(lowered.every(([, nice]) => nice === BACKGROUND_NICE)).toBe(true);
  });
});

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

/** The child and its worker (test/helpers/nice-*.ts), bundled to CommonJS. */
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-nice-'));
  await build({
    entryPoints: ['nice-child', 'nice-worker'].map((name) => path.resolve(`test/helpers/${name}.ts`)),
    outdir: dir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function threadsOfChild(startPool: boolean) {
  const { stdout } = await run(process.execPath, [path.join(dir, 'nice-child.cjs'), ...(startPool ? ['start-pool'] : [])]);
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

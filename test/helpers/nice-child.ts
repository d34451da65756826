/**
 * Run by thread-priority.test.ts, bundled to CommonJS (its code loads synchronously, so nothing reaches
 * libuv's thread pool before the worker): optionally starts the pool, then lets nice-worker lower its own
 * priority and make the process's first DNS lookup, and prints every thread's nice value and the worker's id.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startThreadPool } from '../../server/thread-priority';
import { threadNices } from './thread-nices';

if (process.argv[2] === 'start-pool') startThreadPool();
const worker = new Worker(path.join(__dirname, 'nice-worker.cjs'));
worker.once('message', (workerTid: number) => {
  console.log(JSON.stringify({ pid: process.pid, workerTid, nices: Object.fromEntries(threadNices()) }));
  process.exit(0);
});

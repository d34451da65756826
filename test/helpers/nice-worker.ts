/** The worker of nice-child.ts: lowers its own priority, then makes the first DNS lookup and reports its thread id. */
import dns from 'node:dns';
import { parentPort } from 'node:worker_threads';
import { BACKGROUND_NICE, currentThreadId, lowerThreadPriority } from '../../server/thread-priority';

lowerThreadPriority(BACKGROUND_NICE);
dns.lookup('localhost', () => parentPort!.postMessage(currentThreadId()));

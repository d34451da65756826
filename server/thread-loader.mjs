// Starts the writer thread from the TypeScript sources (npm start, tests): tsx compiles it in the thread.
// A production bundle starts its compiled writer-thread.js directly instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);

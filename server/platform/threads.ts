import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** The worker threads' entries, as paths under server/ (and under the bundle's directory). */
export type ThreadEntry = 'writer/writer-thread' | 'mail/mail-thread';

/**
 * How to start one of the server's worker threads (again, should one stop). From a production bundle
 * (everything in one index.js, the threads' entries built beside it under the same paths) it runs the
 * compiled `<entry>.js`; from the TypeScript sources (npm start, tests) the small thread-loader.mjs lets
 * tsx compile `server/<entry>.ts` in the thread.
 */
export function threadSpawner(entry: ThreadEntry, workerData: object): () => Worker {
  const compiled = new URL(`./${entry}.js`, import.meta.url);
  if (fs.existsSync(compiled)) return () => new Worker(compiled, { workerData });
  const loader = new URL('./thread-loader.mjs', import.meta.url);
  const source = new URL(`../${entry}.ts`, import.meta.url).href;
  return () => new Worker(loader, { workerData: { ...workerData, entry: source } });
}

import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * How to start one of the server's worker threads (again, should one stop). From a production bundle it
 * runs the compiled `<entry>.js` beside the bundle; from the TypeScript sources (npm start, tests) the
 * small thread-loader.mjs lets tsx compile `<entry>.ts` in the thread.
 */
export function threadSpawner(entry: 'writer-thread' | 'mail-thread', workerData: object): () => Worker {
  const compiled = new URL(`./${entry}.js`, import.meta.url);
  if (fs.existsSync(compiled)) return () => new Worker(compiled, { workerData });
  const loader = new URL('./thread-loader.mjs', import.meta.url);
  const source = new URL(`./${entry}.ts`, import.meta.url).href;
  return () => new Worker(loader, { workerData: { ...workerData, entry: source } });
}

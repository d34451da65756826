// Starts a worker thread (the writer, the mail sender) from the TypeScript sources (npm start, tests): tsx
// compiles its entry in the thread. A production bundle starts the compiled entry beside it directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);

/**
 * Entry of the writer thread (see ThreadWriter in client.ts): the app's one writing connection to the
 * database, every write procedure (procedures.ts), and group commit — everything posted while a commit ran
 * goes into the next one.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { commitBatch, MAX_BATCH, toWire, type WriteJob } from './group-commit';
import { connectDatabase } from '../db/open';
import { createWriteProcedures, UNGUARDED_WRITES } from './procedures';
import type { FromWriter, ToWriter, WriterThreadData } from './protocol';

const port = parentPort!;
const { databasePath, limits, privacy, offlineReplyDelayMs } = workerData as WriterThreadData;
const db = connectDatabase(databasePath);
// The key arrives as a plain Uint8Array (structured clone); the HMACs want a Buffer.
const procedures = createWriteProcedures(db, {
  limits,
  privacy: { ...privacy, hmacKey: Buffer.from(privacy.hmacKey) },
  offlineReplyDelayMs,
});
const queue: WriteJob[] = [];
let scheduled = false;
port.postMessage({ type: 'ready', osThreadId: osThreadId() } satisfies FromWriter);

port.on('message', (message: ToWriter) => {
  if (message.type === 'jobs') {
    for (const job of message.jobs) queue.push(job);
    schedule();
  } else {
    while (queue.length > 0) commitNext();
    db.close();
    port.close();
  }
});

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // After this turn's messages: every job posted while the last commit ran shares the next one.
  setImmediate(() => {
    scheduled = false;
    commitNext();
    if (queue.length > 0) schedule();
  });
}

function commitNext(): void {
  const jobs = queue.splice(0, MAX_BATCH);
  const started = performance.now();
  let reply: FromWriter;
  try {
    const outcomes = commitBatch(db, procedures, jobs, UNGUARDED_WRITES);
    reply = {
      type: 'done',
      ms: performance.now() - started,
      results: jobs.map((job, i) => {
        const outcome = outcomes[i];
        return outcome.ok
          ? { id: job.id, ok: true as const, value: outcome.value }
          : { id: job.id, ok: false as const, error: toWire(outcome.error) };
      }),
    };
  } catch (error) {
    // The transaction as a whole failed (disk full, I/O error): none of these writes is stored.
    const wire = toWire(error);
    reply = {
      type: 'done',
      ms: performance.now() - started,
      results: jobs.map((job) => ({ id: job.id, ok: false as const, error: wire })),
    };
  }
  port.postMessage(reply);
}

/** This thread's id in the operating system, where /proc tells it (Linux); null elsewhere. */
function osThreadId(): number | null {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop()) || null;
  } catch {
    return null;
  }
}

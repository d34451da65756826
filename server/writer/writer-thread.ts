/**
 * Entry of the writer thread (see ThreadWriter in client.ts): the app's one writing connection to the
 * database, every write procedure (procedures.ts), and group commit — everything posted while a commit ran
 * goes into the next one (WriteLoop: one batch at a time).
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { commitBatch, toWire, type WriteJob } from './group-commit';
import { connectDatabase } from '../db/open';
import { createWriteProcedures, UNGUARDED_WRITES } from './procedures';
import type { FromWriter, ToWriter, WriterThreadData } from './protocol';
import { sqliteTransactions } from './transaction';
import { WriteLoop } from './write-loop';

const port = parentPort!;
const { databasePath, limits, privacy, offlineReplyDelayMs } = workerData as WriterThreadData;
const db = connectDatabase(databasePath);
// The key arrives as a plain Uint8Array (structured clone); the HMACs want a Buffer.
const procedures = createWriteProcedures(db, {
  limits,
  privacy: { ...privacy, hmacKey: Buffer.from(privacy.hmacKey) },
  offlineReplyDelayMs,
});
const transactions = sqliteTransactions(db);
const loop = new WriteLoop(commit);
port.postMessage({ type: 'ready', osThreadId: osThreadId() } satisfies FromWriter);

port.on('message', (message: ToWriter) => {
  if (message.type === 'jobs') loop.push(message.jobs);
  else
    void loop.close().then(() => {
      db.close();
      port.close();
    });
});

async function commit(jobs: WriteJob[]): Promise<void> {
  const started = performance.now();
  let reply: FromWriter;
  try {
    const outcomes = await commitBatch(transactions, procedures, jobs, UNGUARDED_WRITES);
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

/**
 * Entry of the writer thread (see ThreadWriter in client.ts): its own connection to the database, the
 * chat's write procedures (messages, hellos, privacy intake, ratings, admin settings), and group commit — everything posted while a
 * commit ran goes into the next one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { commitBatch, MAX_BATCH, toWire, type WriteJob } from './group-commit';
import { connectDatabase } from '../db/open';
import { createRepositories } from '../db/repositories/index';
import type { FromWriter, ToWriter } from './client';
import { takeWriteTurn } from './write-turns';
import { createChatWrites } from '../chat/chat-writes';
import { createPrivacyWrites } from '../privacy/privacy-writes';
import { createRatingWrites } from '../chat/rating-writes';
import { createSettingsWrites } from '../console/settings-writes';
import { SettingsRepository } from '../db/repositories/settings-repository';
import type { WriterThreadData } from './protocol';

const port = parentPort!;
const { databasePath, limits, writeTurns, privacy } = workerData as WriterThreadData;
const db = connectDatabase(databasePath);
const repos = createRepositories(db);
const procedures = {
  ...createChatWrites(repos, limits),
  // The key arrives as a plain Uint8Array (structured clone); the HMACs want a Buffer.
  ...createPrivacyWrites(db, repos, { ...privacy, hmacKey: Buffer.from(privacy.hmacKey) }),
  ...createRatingWrites(repos),
  ...createSettingsWrites({ settings: new SettingsRepository(db) }),
};
const queue: WriteJob[] = [];
let scheduled = false;
port.postMessage({ type: 'ready' } satisfies FromWriter);

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
  let started = performance.now();
  let reply: FromWriter;
  try {
    // The time reported is the transaction's own, not the wait for the main connection's writes.
    const outcomes = takeWriteTurn(writeTurns, () => {
      started = performance.now();
      return commitBatch(db, procedures, jobs);
    });
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

import type { Db } from '../db/open';

/**
 * Two connections write to the database: the writer thread's (messages, hellos) and the main thread's
 * (privacy requests, claims, sessions, notes…). SQLite lets one write at a time. A connection that finds
 * the lock taken retries after sleeping 1, 2, 5, 10, 15, 20, 25… ms (SQLite's busy handler), and the
 * writer thread, committing half the time at 2,000 messages a second, takes the lock back between those
 * retries — so one privacy write could hold the main thread's event loop, and every socket, for hundreds of
 * milliseconds (seen in `npm run bench`: loop delay max 296 ms, chat ack p99 509 ms during the privacy phase).
 *
 * Instead the two take turns through two shared counters: the main thread announces each write (slot 0)
 * and waits until the thread is not committing (slot 1); the thread marks its commits and does not begin
 * one while a write is announced. A main-thread write so waits at most for the commit already running
 * (about a millisecond), never in SQLite's sleeps. The thread yields at most `MAX_YIELD_MS` per batch, so a
 * busy main thread cannot starve it, and the main thread waits at most `MAX_WAIT_MS` (then SQLite's busy
 * handler takes over, as before).
 */
const announced = new WeakMap<Db, SharedArrayBuffer>();
const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
const ANNOUNCED = 0;
const COMMITTING = 1;
const MAX_YIELD_MS = 50;
const MAX_WAIT_MS = 1000;

/** The shared counters of one database: [announced main-connection writes, writer thread committing (0/1)]. */
export function newWriteTurns(): SharedArrayBuffer {
  return new SharedArrayBuffer(8);
}

/** Makes every write through `db` (statements prepared from now on, and transactions) announce itself. */
export function announceWrites(db: Db): SharedArrayBuffer {
  const existing = announced.get(db);
  if (existing) return existing;
  const shared = newWriteTurns();
  const turns = new Int32Array(shared);
  const during = <A extends unknown[], R>(fn: (...args: A) => R) =>
    function (this: unknown, ...args: A): R {
      // Nested (a statement inside an announced transaction): the turn is already ours.
      if (Atomics.add(turns, ANNOUNCED, 1) === 0) waitWhileCommitting(turns);
      try {
        return fn.apply(this, args);
      } finally {
        if (Atomics.sub(turns, ANNOUNCED, 1) === 1) Atomics.notify(turns, ANNOUNCED);
      }
    };

  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    if (WRITE.test(source)) {
      // pluck() and raw() return the same statement, so the wrapped methods stay in place.
      statement.run = during(statement.run) as typeof statement.run;
      statement.get = during(statement.get) as typeof statement.get;
      statement.all = during(statement.all) as typeof statement.all;
    }
    return statement;
  }) as typeof db.prepare;

  const transaction = db.transaction.bind(db);
  db.transaction = ((body: (...args: unknown[]) => unknown) => {
    const tx = transaction(body);
    const wrapped = Object.assign(during(tx), {
      default: during(tx.default),
      deferred: during(tx.deferred),
      immediate: during(tx.immediate),
      exclusive: during(tx.exclusive),
    });
    return wrapped;
  }) as typeof db.transaction;

  announced.set(db, shared);
  return shared;
}

function waitWhileCommitting(turns: Int32Array): void {
  const until = performance.now() + MAX_WAIT_MS;
  while (Atomics.load(turns, COMMITTING) === 1) {
    const left = until - performance.now();
    if (left <= 0) return;
    Atomics.wait(turns, COMMITTING, 1, left);
  }
}

/**
 * In the writer thread, around each batch: lets announced main-thread writes go first (up to `maxMs`),
 * marks the commit while it runs. Marking before looking (both sequentially consistent) means a write
 * announced meanwhile either is seen here or sees the mark and waits for the commit.
 */
export function takeWriteTurn<T>(shared: SharedArrayBuffer, commit: () => T, maxMs = MAX_YIELD_MS): T {
  const turns = new Int32Array(shared);
  const until = performance.now() + maxMs;
  for (;;) {
    Atomics.store(turns, COMMITTING, 1);
    const waiting = Atomics.load(turns, ANNOUNCED);
    const left = until - performance.now();
    if (waiting === 0 || left <= 0) break;
    Atomics.store(turns, COMMITTING, 0);
    Atomics.notify(turns, COMMITTING);
    Atomics.wait(turns, ANNOUNCED, waiting, left);
  }
  try {
    return commit();
  } finally {
    Atomics.store(turns, COMMITTING, 0);
    Atomics.notify(turns, COMMITTING);
  }
}

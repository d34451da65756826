import type { Db } from './open';

/**
 * Two connections write to the database: the writer thread's (messages, hellos) and the main thread's
 * (privacy requests, claims, sessions, notes…). SQLite lets one write at a time. A connection that finds
 * the lock taken retries after sleeping 1, 2, 5, 10, 15, 20, 25… ms (SQLite's busy handler), and the
 * writer thread, committing half the time at 2,000 messages a second, takes the lock back between those
 * retries — so one privacy write could hold the main thread's event loop, and every socket, for hundreds of
 * milliseconds (seen in `npm run bench`: loop delay max 296 ms, chat ack p99 509 ms during the privacy phase).
 *
 * Instead the main thread announces each write in a counter shared with the writer thread, and the thread
 * does not begin a batch while one is announced: a main-thread write waits at most for the commit already
 * running. The thread waits at most `MAX_YIELD_MS` per batch, so a busy main thread cannot starve it.
 */
const announced = new WeakMap<Db, SharedArrayBuffer>();
const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
export const MAX_YIELD_MS = 50;

/** Makes every write through `db` (statements prepared from now on, and transactions) announce itself. */
export function announceWrites(db: Db): SharedArrayBuffer {
  const existing = announced.get(db);
  if (existing) return existing;
  const shared = new SharedArrayBuffer(4);
  const counter = new Int32Array(shared);
  const during = <A extends unknown[], R>(fn: (...args: A) => R) =>
    function (this: unknown, ...args: A): R {
      Atomics.add(counter, 0, 1);
      try {
        return fn.apply(this, args);
      } finally {
        if (Atomics.sub(counter, 0, 1) === 1) Atomics.notify(counter, 0);
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

/** In the writer thread, before a batch: lets announced main-thread writes go first (up to `maxMs`). */
export function yieldToAnnouncedWrites(shared: SharedArrayBuffer, maxMs = MAX_YIELD_MS): void {
  const counter = new Int32Array(shared);
  const until = performance.now() + maxMs;
  for (let waiting = Atomics.load(counter, 0); waiting > 0; waiting = Atomics.load(counter, 0)) {
    const left = until - performance.now();
    if (left <= 0) return;
    Atomics.wait(counter, 0, waiting, left);
  }
}

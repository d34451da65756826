import { AppError } from '../../shared/errors';
import type { Db } from './open';

interface Job<T> {
  run: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one event-loop turn run in one transaction (each in its own
 * savepoint, so one failing write does not undo the others), and their promises settle only after
 * that transaction has committed. With synchronous=FULL this buys one fsync per batch, not per write.
 */
export class BatchWriter {
  private queue: Job<unknown>[] = [];
  private scheduled = false;
  private closed = false;
  /** Batches committed, writes in them, and the time spent running and committing them (event loop blocked). */
  readonly stats = { batches: 0, writes: 0, busyMs: 0, maxBatchMs: 0 };

  constructor(private readonly db: Db) {}

  /** Runs `fn` inside the next batch's transaction; resolves with its result once committed. */
  write<T>(fn: () => T): Promise<T> {
    // During shutdown: an answer clients treat as "try again" (they resend with the same client id).
    if (this.closed) return Promise.reject(new AppError('internal', 'The server is restarting. Please try again.'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now. */
  flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const started = performance.now();
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(job.run)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    const ms = performance.now() - started;
    this.stats.batches++;
    this.stats.writes += jobs.length;
    this.stats.busyMs += ms;
    if (ms > this.stats.maxBatchMs) this.stats.maxBatchMs = ms;
    jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  /** Flushes pending writes and refuses new ones. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}

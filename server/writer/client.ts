import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AppError } from '../../shared/errors';
import type { FromWriter, ToWriter } from './protocol';
import {
  fromWire,
  newWriterStats,
  SLOW_MS,
  type ArgsOf,
  type Procedures,
  type ResultOf,
  type WriteJob,
  type Writer,
  type WriterStats,
} from './group-commit';

interface Pending {
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
  /** When it was asked for (performance.now()). */
  at: number;
}

const RESTARTING = 'The server is restarting. Please try again.';
/**
 * While writes keep coming, one post gathers those of up to this many milliseconds. Each commit has a cost
 * of its own — the hand-off between threads, the transaction, the WAL pages it rewrites, its fsync — that
 * its writes share: on a 2-core virtual machine the message write costs 0.099 ms of CPU (both threads) in
 * batches of 4 against 0.055 ms in batches of 16 (measured with the writer thread alone). At 2,000
 * messages a second a batch per turn of the event loop held ~4 writes; gathered for 10 ms it holds ~20,
 * which took a quarter of the server's CPU per message off, for ~6 ms more on the median acknowledgement.
 */
export const WRITE_WINDOW_MS = 10;
/**
 * The window applies once a post has held this many writes: below that rate (a few hundred writes a second)
 * commits are cheap enough, and a write is not kept waiting for company that is not coming.
 */
const GATHER_FROM = 4;
/**
 * Posted without waiting for the window when this many writes are waiting: a bigger batch gains little more
 * (0.040 ms per write in batches of 16, 0.039 in 32, 0.032 in 64, the procedures alone), and at higher rates
 * the window need not be waited out to fill one.
 */
const POST_AT = 32;

/**
 * Every write runs in a worker thread with the one writing connection to the database. The event loop that
 * serves every socket never waits for SQLite or for the commit's fsync (synchronous=FULL): it posts writes
 * to the thread and resolves each write's promise when the thread reports its batch committed — so an
 * acknowledgement still means "stored". Reads stay on the main connection, which is read-only (WAL lets it
 * read beside the thread's writes), and see every reported commit.
 *
 * One post is in flight at a time: writes asked for while the thread commits wait here and go in one
 * message when it reports, and while writes keep coming a post gathers those of WRITE_WINDOW_MS — so each
 * commit, with its round trip between the threads (a post, a structured clone and a wake-up on each side)
 * and its fsync, is shared by many writes instead of the few of one turn of the event loop.
 */
export class ThreadWriter<P extends Procedures<P>> implements Writer<P> {
  readonly stats: WriterStats = newWriterStats();
  /** Settles when the first thread has opened the database, or fails with why it could not. */
  readonly ready: Promise<void>;
  private started!: { resolve: () => void; reject: (error: Error) => void };
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private outbox: WriteJob[] = [];
  private scheduled = false;
  /** Writes posted to the thread that it has not reported yet. */
  private inFlight = 0;
  /** When the last batch was posted (performance.now()), and how many writes it held. */
  private lastPostAt = Number.NEGATIVE_INFINITY;
  private lastPostSize = 0;
  private closed = false;
  /** Waiting for every write asked for so far to be reported. */
  private idle: Array<() => void> = [];
  /** Set when a thread stopped before it could open the database: starting another would fail the same way. */
  private broken = false;
  private exited = false;

  constructor(
    private readonly spawn: () => Worker,
    private readonly log: Logger,
    private readonly windowMs = WRITE_WINDOW_MS,
  ) {
    this.ready = new Promise<void>((resolve, reject) => (this.started = { resolve, reject }));
    // Whoever awaits it gets the failure; no one awaiting must not turn it into an unhandled rejection.
    this.ready.catch(() => {});
    this.worker = this.start();
  }

  /** Runs the procedure `name` in the next batch; resolves with its result once that batch has committed. */
  run<K extends keyof P & string>(name: K, args: ArgsOf<P, K>): Promise<ResultOf<P, K>> {
    // During shutdown: an answer clients treat as "try again" (they resend with the same client id).
    if (this.closed || this.broken) return Promise.reject(new AppError('internal', RESTARTING));
    return new Promise<ResultOf<P, K>>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject, at: performance.now() });
      this.outbox.push({ id, name, args });
      // While the thread has writes, these go when it reports them (settle). An idle thread gets them once the
      // window since the last post has passed, or at once in a long turn when many are waiting.
      if (this.inFlight > 0) return;
      if (this.outbox.length >= POST_AT) this.send();
      else this.schedule();
    });
  }

  /** Resolves once every write asked for so far has been reported (committed or failed). */
  settled(): Promise<void> {
    this.send();
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Refuses new writes, waits for those already asked for, and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.send();
    await this.settled();
    if (this.exited) return;
    const exited = once(this.worker, 'exit');
    this.worker.postMessage({ type: 'close' } satisfies ToWriter);
    await exited;
  }

  /**
   * Posts the outbox at the end of this turn, or, when the last post held GATHER_FROM writes or more (writes
   * are coming together), it is less than the window old and fewer than POST_AT writes wait, once the window
   * has passed. A lone write — a quiet moment, or one write awaiting another — is never held back.
   */
  private schedule(): void {
    if (this.scheduled || this.outbox.length === 0) return;
    this.scheduled = true;
    const gathering = this.lastPostSize >= GATHER_FROM && this.outbox.length < POST_AT;
    const wait = gathering ? this.lastPostAt + this.windowMs - performance.now() : 0;
    if (wait <= 0) setImmediate(this.sendNow);
    else setTimeout(this.sendNow, wait);
  }

  private readonly sendNow = () => this.send();

  private send(): void {
    this.scheduled = false;
    if (this.outbox.length === 0 || this.inFlight > 0) return;
    const jobs = this.outbox;
    this.lastPostAt = performance.now();
    this.lastPostSize = jobs.length;
    this.outbox = [];
    this.inFlight = jobs.length;
    this.worker.postMessage({ type: 'jobs', jobs } satisfies ToWriter);
  }

  private start(): Worker {
    const worker = this.spawn();
    let ready = false;
    let failure: Error | null = null;
    this.exited = false;
    // The server's listening socket keeps the process alive; the writer thread must not on its own.
    worker.unref();
    worker.on('message', (message: FromWriter) => {
      if (message.type === 'ready') {
        ready = true;
        this.stats.osThreadId = message.osThreadId;
        this.started.resolve();
      } else this.settle(message);
    });
    worker.on('error', (error) => {
      failure = error;
      this.log.error({ err: error }, 'writer thread failed');
    });
    worker.on('exit', (code) => {
      this.exited = true;
      if (!ready)
        this.started.reject(
          new Error(
            `The writer thread stopped before it opened the database (exit code ${code}): ${failure?.message ?? 'no error reported'}`,
          ),
        );
      if (this.closed && this.pending.size === 0) return;
      // Writes it had not reported may or may not have committed: clients resend with the same client id,
      // which the message procedures answer exactly once either way.
      this.log.error({ code, ready }, 'writer thread stopped');
      this.failPending();
      if (!ready) this.broken = true;
      else if (!this.closed) this.worker = this.start();
    });
    return worker;
  }

  private settle(message: Extract<FromWriter, { type: 'done' }>): void {
    this.stats.batches++;
    this.stats.writes += message.results.length;
    this.stats.busyMs += message.ms;
    if (message.ms > this.stats.maxBatchMs) this.stats.maxBatchMs = message.ms;
    if (message.ms > SLOW_MS) this.stats.slowBatches++;
    this.inFlight -= message.results.length;
    // What was asked for during this commit goes as one message, now or when the window has passed.
    if (this.inFlight === 0) this.schedule();
    const now = performance.now();
    for (const result of message.results) {
      const waiter = this.pending.get(result.id);
      if (!waiter) continue;
      if (now - waiter.at > SLOW_MS) this.stats.slowWrites++;
      this.pending.delete(result.id);
      if (result.ok) waiter.resolve(result.value as never);
      else waiter.reject(fromWire(result.error));
    }
    if (this.pending.size === 0) this.wake();
  }

  private failPending(): void {
    for (const waiter of this.pending.values()) waiter.reject(new AppError('internal', RESTARTING));
    this.pending.clear();
    // Their callers were told to try again: the next thread must not run them as well.
    this.outbox = [];
    this.inFlight = 0;
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

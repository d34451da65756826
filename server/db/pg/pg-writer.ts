import type pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors';
import {
  type ArgsOf,
  commitBatch,
  newWriterStats,
  type Outcome,
  type Procedures,
  type ResultOf,
  SLOW_MS,
  type WriteJob,
  type Writer,
  type WriterStats,
} from '../../writer/group-commit';
import { type TransactionControl, transactionsOn } from '../../writer/transaction';
import { WriteLoop } from '../../writer/write-loop';
import type { Stores } from '../store';
import type { Queryable } from './queryable';
import { createPgRepositories } from './repositories/index';

/**
 * PostgreSQL's SQLSTATEs for "another transaction got in the way": a deadlock (two nodes' batches locked
 * the same rows in the opposite order) or a serialization failure. The batch is rolled back and run again:
 * the other transaction has finished by then.
 */
const RETRY_CODES = new Set(['40P01', '40001']);
/** Runs of one batch at most, the first included. */
const ATTEMPTS = 3;

/**
 * The write procedures' transactions on a PostgreSQL client: BEGIN … COMMIT, and savepoints inside. After
 * an error PostgreSQL refuses every statement of the transaction until ROLLBACK (or ROLLBACK TO the
 * savepoint), which these run before the error goes on; a ROLLBACK that fails (the connection is gone) lets
 * the error that caused it go on instead.
 */
export function pgTransactions(db: Queryable): TransactionControl {
  let open = false;
  return transactionsOn({
    begin: async () => {
      await db.query('BEGIN');
      open = true;
    },
    commit: async () => {
      await db.query('COMMIT');
      open = false;
    },
    rollback: async () => {
      open = false;
      await db.query('ROLLBACK').catch(() => {});
    },
    savepoint: () => db.query('SAVEPOINT cw_write'),
    release: () => db.query('RELEASE SAVEPOINT cw_write'),
    rollbackTo: () => db.query('ROLLBACK TO SAVEPOINT cw_write'),
    inTransaction: () => open,
  });
}

interface Pending {
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
  at: number;
}

/**
 * The one writer of this node on PostgreSQL: the same named procedures as the SQLite writer thread, in
 * group commit — the writes asked for while a batch runs go into the next one, each batch one transaction
 * on one client of the pool, a savepoint per write (commitBatch). The repositories the procedures use are
 * built once, bound to "the batch's client", with `lockForWrite`: reading a conversation, a request or a
 * verification locks its row until COMMIT, so writers on several nodes queue where SQLite's single writer
 * made them wait for free. A batch another node's got in the way of (deadlock, serialization failure) is
 * run again; one that fails otherwise fails each of its writes with a clear error, as on SQLite.
 */
export class PgWriter<P extends Procedures<P>> implements Writer<P> {
  readonly stats: WriterStats = newWriterStats();
  private readonly pending = new Map<number, Pending>();
  private readonly loop: WriteLoop;
  private readonly procedures: P;
  private readonly transactions: TransactionControl;
  /** The client of the batch running now; statements outside a batch are a bug. */
  private client: pg.PoolClient | null = null;
  private nextId = 1;
  private closed = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: pg.Pool,
    build: (stores: Stores, transactions: TransactionControl) => P,
    private readonly unguarded: ReadonlySet<string>,
    private readonly log: Logger,
  ) {
    const batchClient: Queryable = {
      query: ((...args: Parameters<pg.PoolClient['query']>) => {
        if (!this.client) throw new Error('a write statement outside a batch');
        return (this.client.query as (...a: unknown[]) => unknown)(...args);
      }) as pg.PoolClient['query'],
    };
    this.transactions = pgTransactions(batchClient);
    this.procedures = build(createPgRepositories(batchClient, { lockForWrite: true }), this.transactions);
    this.loop = new WriteLoop((jobs) => this.commit(jobs));
  }

  run<K extends keyof P & string>(name: K, args: ArgsOf<P, K>): Promise<ResultOf<P, K>> {
    if (this.closed) return Promise.reject(new AppError('internal', 'The server is restarting. Please try again.'));
    return new Promise<ResultOf<P, K>>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject, at: performance.now() });
      this.loop.push([{ id, name, args }]);
    });
  }

  /** Resolves once every write asked for so far has been answered. */
  settled(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Refuses new writes and commits those already asked for. The pool is the caller's to end. */
  async close(): Promise<void> {
    this.closed = true;
    await this.loop.close();
  }

  private async commit(jobs: WriteJob[]): Promise<void> {
    const started = performance.now();
    let outcomes: Outcome[];
    let failed = false;
    try {
      this.client = await this.pool.connect();
      outcomes = await this.withRetries(jobs);
    } catch (error) {
      // The transaction as a whole failed (the database away, a constraint outside any write): none is stored.
      failed = true;
      this.log.error({ err: error, writes: jobs.length }, 'writer: a batch failed');
      const failure = new AppError('internal', 'Something went wrong on our side. Please try again.');
      outcomes = jobs.map(() => ({ ok: false, error: failure }));
    } finally {
      // A client whose batch failed may have lost its connection: it is closed, not handed out again.
      this.client?.release(failed);
      this.client = null;
    }
    const ms = performance.now() - started;
    this.stats.batches++;
    this.stats.writes += jobs.length;
    this.stats.busyMs += ms;
    this.stats.maxBatchMs = Math.max(this.stats.maxBatchMs, ms);
    if (ms > SLOW_MS) this.stats.slowBatches++;
    const now = performance.now();
    jobs.forEach((job, i) => {
      const waiting = this.pending.get(job.id);
      if (!waiting) return;
      this.pending.delete(job.id);
      if (now - waiting.at > SLOW_MS) this.stats.slowWrites++;
      const outcome = outcomes[i];
      if (outcome.ok) waiting.resolve(outcome.value as never);
      else waiting.reject(outcome.error);
    });
    if (this.pending.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async withRetries(jobs: WriteJob[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await commitBatch(this.transactions, this.procedures, jobs, this.unguarded);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt === ATTEMPTS || typeof code !== 'string' || !RETRY_CODES.has(code)) throw error;
        this.log.warn({ code, attempt }, 'writer: batch met another transaction; running it again');
      }
    }
  }
}

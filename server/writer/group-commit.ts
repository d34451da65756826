import { AppError } from '../../shared/errors';
import type { TransactionControl } from './transaction';

/**
 * Named write procedures: each runs inside the batch's transaction in the writer thread, reads and writes
 * through repositories (awaiting each: on PostgreSQL they answer over the network), and resolves with a plain
 * (structured-cloneable) result for the main thread.
 */
export type Procedures<P> = { [K in keyof P]: (args: never) => unknown };
export type ArgsOf<P, K extends keyof P> = P[K] extends (args: infer A) => unknown ? A : never;
export type ResultOf<P, K extends keyof P> = P[K] extends (args: never) => infer R ? Awaited<R> : never;

/**
 * What services hold: runs the write procedure `name` with `args` in the one writing connection, and
 * resolves with its result once its transaction has committed (rejects with its error otherwise).
 */
export interface Writer<P> {
  run<K extends keyof P & string>(name: K, args: ArgsOf<P, K>): Promise<ResultOf<P, K>>;
}

/** One write as it travels to the writer thread: which procedure, its arguments, and the id its reply carries. */
export interface WriteJob {
  id: number;
  name: string;
  args: unknown;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Batches committed, writes in them, time spent running and committing them, and the longest batch. */
export interface WriterStats {
  batches: number;
  writes: number;
  busyMs: number;
  maxBatchMs: number;
  /** Batches whose transaction took over 20 ms, and writes that waited over 20 ms from asked to committed. */
  slowBatches: number;
  slowWrites: number;
  /** The writer thread's id in the operating system (Linux), so the benchmark can tell its CPU from the main thread's. */
  osThreadId: number | null;
}

export function newWriterStats(): WriterStats {
  return { batches: 0, writes: 0, busyMs: 0, maxBatchMs: 0, slowBatches: 0, slowWrites: 0, osThreadId: null };
}

export const SLOW_MS = 20;

/**
 * At most this many writes share a transaction. Under overload the queue is taken in slices, so each commit
 * (and the wait of the first write in it) stays bounded instead of growing with the backlog.
 */
export const MAX_BATCH = 512;

/**
 * Group commit: runs `jobs` in one transaction, each in its own savepoint (one failing write does not undo
 * the others), then commits — one fsync for the batch under synchronous=FULL. Returns each job's outcome;
 * throws when the transaction as a whole fails (then none of them was stored).
 *
 * A procedure named in `refuseBeforeWriting` runs without a savepoint: it promises that every refusal it
 * throws (an AppError or KeepWrites) comes before its first write, so a refusal leaves nothing to undo. A
 * savepoint costs about a fifth of a message's write (`npm run bench:writer`), for the one case the promise
 * does not cover: an unexpected error (an SQLite constraint, I/O) after some of its writes. Then the whole
 * transaction is rolled back and the batch runs again with a savepoint for every write, so that write alone
 * fails and the rest are stored, as without the promise. (What such a procedure counted in memory before
 * failing, such as a visitor's message limits, is counted again in the rerun: once more, in that case only.)
 */
export async function commitBatch<P extends Procedures<P>>(
  tx: TransactionControl,
  procedures: P,
  jobs: readonly WriteJob[],
  refuseBeforeWriting: ReadonlySet<string> = NONE,
): Promise<Outcome[]> {
  if (refuseBeforeWriting.size > 0) {
    try {
      return await runBatch(tx, procedures, jobs, refuseBeforeWriting);
    } catch (error) {
      if (!(error instanceof BrokenPromise)) throw error;
    }
  }
  return runBatch(tx, procedures, jobs, NONE);
}

const NONE: ReadonlySet<string> = new Set();

/** Thrown out of a batch's transaction (rolling it back) when a write run without a savepoint failed unexpectedly. */
class BrokenPromise extends Error {}

function runBatch<P extends Procedures<P>>(
  tx: TransactionControl,
  procedures: P,
  jobs: readonly WriteJob[],
  unguarded: ReadonlySet<string>,
): Promise<Outcome[]> {
  // IMMEDIATE: the write lock is taken at BEGIN, waiting (busy_timeout) while another connection holds it.
  // A deferred transaction reads first and must then upgrade, and SQLite answers an upgrade that meets
  // another writer with SQLITE_BUSY at once, without waiting: the whole batch would fail.
  return tx.transaction(async () => {
    const outcomes: Outcome[] = [];
    // One job at a time, each awaited before the next: they share the connection and the transaction.
    for (const job of jobs) {
      const procedure = Object.hasOwn(procedures, job.name)
        ? (procedures[job.name as keyof P] as unknown as (args: unknown) => unknown)
        : undefined;
      if (procedure && unguarded.has(job.name)) {
        try {
          outcomes.push({ ok: true, value: await procedure(job.args) });
        } catch (error) {
          if (error instanceof AppError) outcomes.push({ ok: false, error });
          else if (error instanceof KeepWrites) outcomes.push({ ok: false, error: error.error });
          else throw new BrokenPromise(job.name);
        }
        continue;
      }
      try {
        if (!procedure) throw new Error(`No write procedure named ${job.name}`);
        let kept: KeepWrites | null = null;
        const value = await tx.savepoint(async () => {
          try {
            return await procedure(job.args);
          } catch (error) {
            if (!(error instanceof KeepWrites)) throw error;
            kept = error;
            return undefined;
          }
        });
        outcomes.push(kept ? { ok: false, error: (kept as KeepWrites).error } : { ok: true, value });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  });
}

/**
 * A procedure's refusal whose writes still stand: thrown with the error to answer, it keeps the savepoint
 * that a plain throw rolls back (a wrong verification code stays counted).
 */
export class KeepWrites extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** An error as it crosses from the writer thread: an AppError keeps its code and details. */
export type WireError =
  | { app: true; code: AppError['code']; message: string; details?: AppError['details'] }
  | { app: false; message: string; stack?: string };

export function toWire(error: unknown): WireError {
  if (error instanceof AppError) return { app: true, code: error.code, message: error.message, details: error.details };
  const e = error instanceof Error ? error : new Error(String(error));
  return { app: false, message: e.message, stack: e.stack };
}

export function fromWire(wire: WireError): Error {
  if (wire.app) return new AppError(wire.code, wire.message, wire.details);
  const error = new Error(wire.message);
  if (wire.stack) error.stack = wire.stack;
  return error;
}

import { MAX_BATCH, type WriteJob } from './group-commit';

/**
 * The writer thread's queue and its one batch at a time: jobs pushed while a batch runs (awaiting its store)
 * wait for the next one, so two batches never share the connection; everything queued by then goes into
 * that next batch (at most MAX_BATCH of it). `commit` answers its jobs itself and never throws.
 */
export class WriteLoop {
  private readonly queue: WriteJob[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly commit: (jobs: WriteJob[]) => Promise<void>) {}

  push(jobs: readonly WriteJob[]): void {
    for (const job of jobs) this.queue.push(job);
    this.schedule();
  }

  /** Commits everything queued (after the batch running now, if any); resolves once the last has committed. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.running) await this.running;
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, MAX_BATCH));
    })();
    return this.closing;
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.closing) return;
    this.scheduled = true;
    // After this turn's messages: every job posted while the last commit ran shares the next one.
    setImmediate(() => {
      this.scheduled = false;
      if (this.running || this.closing || this.queue.length === 0) return;
      this.running = this.next();
    });
  }

  private async next(): Promise<void> {
    try {
      await this.commit(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.running = null;
    }
    if (this.queue.length > 0) this.schedule();
  }
}

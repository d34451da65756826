import type { Logger } from 'pino';
import type { Clock } from '../platform/clock';
import type { Writer } from '../writer/group-commit';
import type { RetentionCounts, RetentionWrites } from './retention-writes';

export { OUTBOX_RETENTION_MS, type RetentionCounts, VERIFICATION_GRACE_MS } from './retention-writes';

const HOUR = 60 * 60 * 1000;

/**
 * Keeps the least, for the least time: deletes resolved conversations `retentionDays` after their last
 * activity, with their messages and ratings (and visitors left with nothing), expired verifications after a day, dev outbox mail after a
 * week, expired export payloads and sessions. Run hourly by the app; one transaction per run.
 */
export class RetentionService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly writer: Writer<RetentionWrites>,
    private readonly clock: Clock,
    private readonly retentionDays: number,
    private readonly log: Logger,
    /** Removes the files of the attachments a run deleted, once it has committed. */
    private readonly afterSweep: () => Promise<void> = async () => {},
  ) {}

  async run(): Promise<RetentionCounts> {
    const counts = await this.writer.run('retentionSweep', { now: this.clock.now(), retentionDays: this.retentionDays });
    if (Object.values(counts).some((n) => n > 0))
      this.log.info({ retention: counts, retentionDays: this.retentionDays }, 'retention: deleted expired data');
    if (counts.attachments > 0 || counts.unsentAttachments > 0) await this.afterSweep();
    return counts;
  }

  /** Runs now and then every hour until `stop()`; a failed run is logged and the next one tries again. */
  start(): void {
    this.stop();
    this.safeRun();
    this.timer = setInterval(() => this.safeRun(), HOUR);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private safeRun(): void {
    this.run().catch((error: unknown) => this.log.error({ err: error }, 'retention run failed'));
  }
}

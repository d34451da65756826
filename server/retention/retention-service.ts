import type { Logger } from 'pino';
import type { Clock } from '../platform/clock';
import type { Db } from '../db/open';
import type { RetentionRepository } from '../db/repositories/retention-repository';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Expired verifications are kept a day past expiry (so "this code has expired" can still be told), then go. */
export const VERIFICATION_GRACE_MS = DAY;
/** Copies of mails in the dev outbox are for reading the flow on a developer's machine, not for keeping. */
export const OUTBOX_RETENTION_MS = 7 * DAY;
/** The per-address send log only ever answers "how many in the last hour"; a day is ample. */
export const SEND_LOG_RETENTION_MS = DAY;

export type RetentionCounts = Record<
  'conversations' | 'messages' | 'ratings' | 'visitors' | 'verifications' | 'verificationSends' | 'outboxMails' | 'exports' | 'sessions',
  number
>;

/**
 * Keeps the least, for the least time: deletes resolved conversations `retentionDays` after their last
 * activity, with their messages and ratings (and visitors left with nothing), expired verifications after a day, dev outbox mail after a
 * week, expired export payloads and sessions. Run hourly by the app; one transaction per run.
 */
export class RetentionService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly repo: RetentionRepository,
    private readonly clock: Clock,
    private readonly retentionDays: number,
    private readonly log: Logger,
  ) {}

  run(): RetentionCounts {
    const now = this.clock.now();
    const chatCutoff = now - this.retentionDays * DAY;
    const counts = this.db
      .transaction((): RetentionCounts => {
        const chat = this.repo.deleteResolvedConversations(chatCutoff);
        return {
          ...chat,
          visitors: this.repo.deleteIdleVisitors(chatCutoff),
          verifications: this.repo.deleteVerificationsExpiredBefore(now - VERIFICATION_GRACE_MS),
          verificationSends: this.repo.deleteVerificationSendsBefore(now - SEND_LOG_RETENTION_MS),
          outboxMails: this.repo.deleteOutboxMailsBefore(now - OUTBOX_RETENTION_MS),
          exports: this.repo.deleteExportsExpiredBefore(now),
          sessions: this.repo.deleteSessionsExpiredBefore(now),
        };
      })
      .immediate();
    if (Object.values(counts).some((n) => n > 0))
      this.log.info({ retention: counts, retentionDays: this.retentionDays }, 'retention: deleted expired data');
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
    try {
      this.run();
    } catch (error) {
      this.log.error({ err: error }, 'retention run failed');
    }
  }
}

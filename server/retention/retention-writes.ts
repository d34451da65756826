import type { Stores } from '../db/store';

const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** Expired verifications are kept a day past expiry (so "this code has expired" can still be told), then go. */
export const VERIFICATION_GRACE_MS = DAY;
/** Copies of mails in the dev outbox are for reading the flow on a developer's machine, not for keeping. */
export const OUTBOX_RETENTION_MS = 7 * DAY;
/** The per-address send log only ever answers "how many in the last hour"; a day is ample. */
export const SEND_LOG_RETENTION_MS = DAY;
/** An attachment uploaded and never sent is dropped after a day (a visitor who closed the tab mid-send). */
export const UNSENT_ATTACHMENT_MS = DAY;

export type RetentionCounts = Record<
  | 'conversations'
  | 'messages'
  | 'ratings'
  | 'attachments'
  | 'unsentAttachments'
  | 'visitors'
  | 'verifications'
  | 'verificationSends'
  | 'outboxMails'
  | 'exports'
  | 'sessions',
  number
>;

/** The retention sweep as a writer procedure: one transaction per run, so a run is all or nothing. */
export function createRetentionWrites(repos: Stores) {
  const repo = repos.retention;
  return {
    async retentionSweep(args: { now: number; retentionDays: number }): Promise<RetentionCounts> {
      const { now } = args;
      const chatCutoff = now - args.retentionDays * DAY;
      const chat = await repo.deleteResolvedConversations(chatCutoff);
      return {
        ...chat,
        unsentAttachments: await repo.deleteUnsentAttachments(now - UNSENT_ATTACHMENT_MS),
        visitors: await repo.deleteIdleVisitors(chatCutoff),
        verifications: await repo.deleteVerificationsExpiredBefore(now - VERIFICATION_GRACE_MS),
        verificationSends: await repo.deleteVerificationSendsBefore(now - SEND_LOG_RETENTION_MS),
        outboxMails: await repo.deleteOutboxMailsBefore(now - OUTBOX_RETENTION_MS),
        exports: await repo.deleteExportsExpiredBefore(now),
        sessions: await repo.deleteSessionsExpiredBefore(now),
      };
    },
  };
}

export type RetentionWrites = ReturnType<typeof createRetentionWrites>;

import type { OfflineReplyRepository } from '../db/repositories/offline-reply-repository';

/** The offline-reply waits, run by the writer thread (OfflineReplyService decides when). */
export function createOfflineReplyWrites(repos: { offlineReplies: OfflineReplyRepository }) {
  const { offlineReplies } = repos;
  return {
    /** true: this reply starts the visitor's wait; false: one is running and this reply joins its mail. */
    offlineReplyQueue(args: { visitorId: number; fromSeq: number; dueAt: number }): boolean {
      return offlineReplies.queue(args.visitorId, args.fromSeq, args.dueAt);
    },

    /** The wait is over: mailed, read in the chat, or nothing left to send. */
    offlineReplyDone(args: { visitorId: number; fromSeq: number }): null {
      offlineReplies.remove(args.visitorId, args.fromSeq);
      return null;
    },

    /** The mail could not be sent: it is tried again at `dueAt`. */
    offlineReplyRetry(args: { visitorId: number; fromSeq: number; dueAt: number }): null {
      offlineReplies.retryAt(args.visitorId, args.fromSeq, args.dueAt);
      return null;
    },
  };
}

export type OfflineReplyWrites = ReturnType<typeof createOfflineReplyWrites>;

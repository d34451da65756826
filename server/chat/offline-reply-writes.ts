import type { OfflineReplyRepository } from '../db/repositories/offline-reply-repository';

/**
 * The offline-reply waits, run by the writer thread (OfflineReplyService decides when). A wait starts
 * in the reply's own write (chat-writes.ts operatorMessage).
 */
export function createOfflineReplyWrites(repos: { offlineReplies: OfflineReplyRepository }) {
  const { offlineReplies } = repos;
  return {
    /** The wait is over (mailed, read in the chat, or nothing left to send); `next` starts the one after it. */
    offlineReplyDone(args: { visitorId: number; fromSeq: number; next: { fromSeq: number; dueAt: number } | null }): null {
      offlineReplies.remove(args.visitorId, args.fromSeq);
      if (args.next) offlineReplies.queue(args.visitorId, args.next.fromSeq, args.next.dueAt);
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

import type { OfflineReplyRow } from '../db/repositories/offline-reply-repository';
import type { Stores } from '../db/store';

/**
 * Starts a wait from operator reply `fromSeq` when the visitor left an address and none is running (a
 * running one carries the reply in its mail); true when it started one. The one rule for who waits for a
 * mail, used by the reply's own write and by the end of the wait before.
 */
export async function startOfflineReplyWait(
  repos: Pick<Stores, 'offlineReplies' | 'visitors'>,
  visitorId: number,
  fromSeq: number,
  dueAt: number,
): Promise<boolean> {
  return Boolean((await repos.visitors.findById(visitorId))?.email) && (await repos.offlineReplies.queue(visitorId, fromSeq, dueAt));
}

/**
 * The offline-reply waits, run by the writer thread (OfflineReplyService decides when). A wait starts
 * in the reply's own write (chat-writes.ts operatorMessage).
 */
export function createOfflineReplyWrites(repos: Pick<Stores, 'offlineReplies' | 'conversations' | 'messages' | 'visitors'>) {
  const { offlineReplies, conversations, messages } = repos;
  return {
    /**
     * The wait is over (mailed, read in the chat, or nothing left to send) up to `upToSeq`. An operator
     * reply after that, written meanwhile, starts the next wait in this same write (its own write found
     * this one running); returns that wait, or null.
     */
    async offlineReplyDone(args: {
      visitorId: number;
      fromSeq: number;
      upToSeq: number;
      nextDueAt: number;
    }): Promise<OfflineReplyRow | null> {
      await offlineReplies.remove(args.visitorId, args.fromSeq);
      const conversation = await conversations.byVisitor(args.visitorId);
      const fromSeq = conversation && (await messages.firstOperatorAfter(conversation.rowId, args.upToSeq));
      if (!fromSeq || !(await startOfflineReplyWait(repos, args.visitorId, fromSeq, args.nextDueAt))) return null;
      return { visitorId: args.visitorId, fromSeq, dueAt: args.nextDueAt, attempts: 0 };
    },

    /**
     * The wait scheduled for `dueAt` is this node's to send, leased until `until`: false when another node
     * took it first (a cluster, where every node that read the waits has a timer) or it ended meanwhile.
     */
    async offlineReplyClaim(args: { visitorId: number; fromSeq: number; dueAt: number; until: number }): Promise<boolean> {
      return offlineReplies.claim(args.visitorId, args.fromSeq, args.dueAt, args.until);
    },

    /** The mail could not be sent: it is tried again at `dueAt`. */
    async offlineReplyRetry(args: { visitorId: number; fromSeq: number; dueAt: number }): Promise<null> {
      await offlineReplies.retryAt(args.visitorId, args.fromSeq, args.dueAt);
      return null;
    },
  };
}

export type OfflineReplyWrites = ReturnType<typeof createOfflineReplyWrites>;

import type { ConversationRepository } from '../db/repositories/conversation-repository';
import type { MessageRepository } from '../db/repositories/message-repository';
import type { OfflineReplyRepository, OfflineReplyRow } from '../db/repositories/offline-reply-repository';
import type { VisitorRepository } from '../db/repositories/visitor-repository';

/**
 * Starts a wait from operator reply `fromSeq` when the visitor left an address and none is running (a
 * running one carries the reply in its mail); true when it started one. The one rule for who waits for a
 * mail, used by the reply's own write and by the end of the wait before.
 */
export function startOfflineReplyWait(
  repos: { offlineReplies: OfflineReplyRepository; visitors: VisitorRepository },
  visitorId: number,
  fromSeq: number,
  dueAt: number,
): boolean {
  return Boolean(repos.visitors.findById(visitorId)?.email) && repos.offlineReplies.queue(visitorId, fromSeq, dueAt);
}

/**
 * The offline-reply waits, run by the writer thread (OfflineReplyService decides when). A wait starts
 * in the reply's own write (chat-writes.ts operatorMessage).
 */
export function createOfflineReplyWrites(repos: {
  offlineReplies: OfflineReplyRepository;
  conversations: ConversationRepository;
  messages: MessageRepository;
  visitors: VisitorRepository;
}) {
  const { offlineReplies, conversations, messages } = repos;
  return {
    /**
     * The wait is over (mailed, read in the chat, or nothing left to send) up to `upToSeq`. An operator
     * reply after that, written meanwhile, starts the next wait in this same write (its own write found
     * this one running); returns that wait, or null.
     */
    offlineReplyDone(args: { visitorId: number; fromSeq: number; upToSeq: number; nextDueAt: number }): OfflineReplyRow | null {
      offlineReplies.remove(args.visitorId, args.fromSeq);
      const conversation = conversations.byVisitor(args.visitorId);
      const fromSeq = conversation && messages.firstOperatorAfter(conversation.rowId, args.upToSeq);
      if (!fromSeq || !startOfflineReplyWait(repos, args.visitorId, fromSeq, args.nextDueAt)) return null;
      return { visitorId: args.visitorId, fromSeq, dueAt: args.nextDueAt, attempts: 0 };
    },

    /** The mail could not be sent: it is tried again at `dueAt`. */
    offlineReplyRetry(args: { visitorId: number; fromSeq: number; dueAt: number }): null {
      offlineReplies.retryAt(args.visitorId, args.fromSeq, args.dueAt);
      return null;
    },
  };
}

export type OfflineReplyWrites = ReturnType<typeof createOfflineReplyWrites>;

import type { ConversationRepository } from '../db/repositories/conversation-repository';
import type { MessageRepository } from '../db/repositories/message-repository';
import type { OfflineReplyRepository, OfflineReplyRow } from '../db/repositories/offline-reply-repository';
import type { VisitorRepository } from '../db/repositories/visitor-repository';

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
  const { offlineReplies, conversations, messages, visitors } = repos;
  return {
    /**
     * The wait is over (mailed, read in the chat, or nothing left to send) up to `upToSeq`. An operator
     * reply after that, written meanwhile, starts the next wait in this same write (its own write found
     * this one running); returns that wait, or null.
     */
    offlineReplyDone(args: { visitorId: number; fromSeq: number; upToSeq: number; nextDueAt: number }): OfflineReplyRow | null {
      offlineReplies.remove(args.visitorId, args.fromSeq);
      const conversation = conversations.byVisitor(args.visitorId);
      if (!conversation || !visitors.findById(args.visitorId)?.email) return null;
      const fromSeq = messages.firstOperatorAfter(conversation.rowId, args.upToSeq);
      if (fromSeq === null || !offlineReplies.queue(args.visitorId, fromSeq, args.nextDueAt)) return null;
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

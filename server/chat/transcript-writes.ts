import { AppError } from '../../shared/errors';
import type { Lang } from '../../shared/types';
import type { ConversationRow } from '../db/repositories/conversation-repository';
import type { Stores } from '../db/store';
import { randomToken } from '../platform/crypto';
import { type StoredMessage, writeMessage } from './chat-writes';

/**
 * Transcript writes, run by the writer thread: the visitor's wish to have the conversation mailed when it
 * is resolved, and the system line that records a transcript sent. The ownership check runs in the same
 * transaction as the write: another visitor's conversation is answered like one that does not exist.
 */
export function createTranscriptWrites(repos: Pick<Stores, 'conversations' | 'messages' | 'attachments' | 'transcripts'>) {
  const { conversations, transcripts } = repos;

  const owned = async (visitorId: number, conversationId: string): Promise<ConversationRow> => {
    const conversation = await conversations.byPublicId(conversationId);
    if (!conversation || conversation.visitorId !== visitorId) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  };

  return {
    async transcriptWish(args: { visitorId: number; conversationId: string; lang: Lang; now: number }): Promise<null> {
      const conversation = await owned(args.visitorId, args.conversationId);
      await transcripts.wish(conversation.rowId, args.lang, args.now);
      return null;
    },

    /**
     * Records in the conversation that its transcript was mailed (the line carries no address). With
     * `fromWish`, the wish is taken in the same transaction: when it is already gone (another resolve took
     * it) nothing is written and null comes back, so the mail is sent once.
     */
    async transcriptSent(args: {
      visitorId: number;
      conversationId: string;
      text: string;
      fromWish: boolean;
      now: number;
    }): Promise<StoredMessage | null> {
      const conversation = await owned(args.visitorId, args.conversationId);
      if (args.fromWish && !(await transcripts.clear(conversation.rowId))) return null;
      const line = { clientId: randomToken(12), text: args.text, author: 'system' as const, operatorId: null, operatorName: null };
      return await writeMessage(repos, conversation, line, null, args.now);
    },
  };
}

export type TranscriptWrites = ReturnType<typeof createTranscriptWrites>;

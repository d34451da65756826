import { AppError } from '../../shared/errors';
import type { Lang } from '../../shared/types';
import type { AttachmentRepository } from '../db/repositories/attachment-repository';
import type { ConversationRepository, ConversationRow } from '../db/repositories/conversation-repository';
import type { MessageRepository } from '../db/repositories/message-repository';
import type { TranscriptRepository } from '../db/repositories/transcript-repository';
import { randomToken } from '../platform/crypto';
import { type StoredMessage, writeMessage } from './chat-writes';

/**
 * Transcript writes, run by the writer thread: the visitor's wish to have the conversation mailed when it
 * is resolved, and the system line that records a transcript sent. The ownership check runs in the same
 * transaction as the write: another visitor's conversation is answered like one that does not exist.
 */
export function createTranscriptWrites(repos: {
  conversations: ConversationRepository;
  messages: MessageRepository;
  attachments: AttachmentRepository;
  transcripts: TranscriptRepository;
}) {
  const { conversations, transcripts } = repos;

  const owned = (visitorId: number, conversationId: string): ConversationRow => {
    const conversation = conversations.byPublicId(conversationId);
    if (!conversation || conversation.visitorId !== visitorId) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  };

  return {
    transcriptWish(args: { visitorId: number; conversationId: string; lang: Lang; now: number }): null {
      const conversation = owned(args.visitorId, args.conversationId);
      transcripts.wish(conversation.rowId, args.lang, args.now);
      return null;
    },

    /**
     * Records in the conversation that its transcript was mailed (the line carries no address). With
     * `fromWish`, the wish is taken in the same transaction: when it is already gone (another resolve took
     * it) nothing is written and null comes back, so the mail is sent once.
     */
    transcriptSent(args: {
      visitorId: number;
      conversationId: string;
      text: string;
      fromWish: boolean;
      now: number;
    }): StoredMessage | null {
      const conversation = owned(args.visitorId, args.conversationId);
      if (args.fromWish && !transcripts.clear(conversation.rowId)) return null;
      const line = { clientId: randomToken(12), text: args.text, author: 'system' as const, operatorId: null, operatorName: null };
      return writeMessage(repos, conversation, line, null, args.now);
    },
  };
}

export type TranscriptWrites = ReturnType<typeof createTranscriptWrites>;

import { AppError } from '../../shared/errors';
import type { Lang, MessageDto } from '../../shared/types';
import type { ConversationRepository, ConversationRow } from '../db/repositories/conversation-repository';
import type { MessageRepository } from '../db/repositories/message-repository';
import type { TranscriptRepository } from '../db/repositories/transcript-repository';
import { randomToken } from '../platform/crypto';
import type { StoredMessage } from './chat-writes';
import { toConversationDto } from './conversation-dto';

/**
 * Transcript writes, run by the writer thread: the visitor's wish to have the conversation mailed when it
 * is resolved, and the system line that records a transcript sent. The ownership check runs in the same
 * transaction as the write: another visitor's conversation is answered like one that does not exist.
 */
export function createTranscriptWrites(repos: {
  conversations: ConversationRepository;
  messages: MessageRepository;
  transcripts: TranscriptRepository;
}) {
  const { conversations, messages, transcripts } = repos;

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
      const seq = conversation.lastSeq + 1;
      const clientId = randomToken(12);
      const id = messages.insert({
        conversationRowId: conversation.rowId,
        seq,
        clientId,
        author: 'system',
        operatorId: null,
        text: args.text,
        at: args.now,
      });
      const after = conversations.recordMessage(conversation, seq, 'system', args.text, args.now);
      const message: MessageDto = {
        id,
        seq,
        clientId,
        author: 'system',
        operatorName: null,
        text: args.text,
        createdAt: args.now,
        conversationId: conversation.id,
      };
      return {
        message,
        created: true,
        conversation: toConversationDto(after),
        conversationRowId: conversation.rowId,
        visitorId: conversation.visitorId,
      };
    },
  };
}

export type TranscriptWrites = ReturnType<typeof createTranscriptWrites>;

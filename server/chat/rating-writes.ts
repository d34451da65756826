import { AppError } from '../../shared/errors';
import type { RatingDto } from '../../shared/types';
import type { Stores } from '../db/store';

/** What a rating write reports: the rating as stored, whether this call stored it (false: a resend), and where. */
export interface StoredRating {
  rating: RatingDto;
  created: boolean;
  conversationRowId: number;
}

/**
 * A visitor's rating, stored by the writer thread: the checks (their conversation, resolved, not yet rated)
 * run in the same transaction as the insert, so two tabs rating at once store one rating.
 */
export function createRatingWrites(repos: Pick<Stores, 'conversations' | 'ratings'>) {
  const { conversations, ratings } = repos;
  return {
    async ratingSubmit(args: {
      visitorId: number;
      conversationId: string;
      scale: RatingDto['scale'];
      score: number;
      comment: string | null;
      now: number;
    }): Promise<StoredRating> {
      const conversation = await conversations.byPublicId(args.conversationId);
      // Another visitor's conversation is answered like one that does not exist: ids reveal nothing.
      if (!conversation || conversation.visitorId !== args.visitorId) throw new AppError('not_found', 'No such conversation.');
      const where = { conversationRowId: conversation.rowId };
      const [existing] = await ratings.byConversation(conversation.rowId);
      if (existing) {
        // A resend (a reconnect, a second tab) gets the first answer; a different rating is refused.
        if (existing.score === args.score && existing.comment === args.comment && existing.scale === args.scale)
          return { rating: existing, created: false, ...where };
        throw new AppError('conflict', 'This conversation has already been rated.');
      }
      if (conversation.status !== 'resolved') throw new AppError('invalid_state', 'A conversation can be rated once it is resolved.');
      const rating: RatingDto = { scale: args.scale, score: args.score, comment: args.comment, createdAt: args.now };
      await ratings.insert({ conversationRowId: conversation.rowId, operatorId: conversation.assignedOperatorId, ...rating });
      return { rating, created: true, ...where };
    },
  };
}

export type RatingWrites = ReturnType<typeof createRatingWrites>;

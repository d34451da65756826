import type { ConversationDto } from '../../shared/types';
import type { ConversationRow } from '../db/repositories/conversation-repository';

/**
 * A conversation as clients see it: without the internal ids, the rating nested. Written field by field
 * rather than with a rest pattern: it runs once per message sent, and a copy by name is the cheaper one.
 */
export function toConversationDto(row: ConversationRow): ConversationDto {
  return {
    id: row.id,
    status: row.status,
    visitorLabel: row.visitorLabel,
    assignedOperatorId: row.assignedOperatorId,
    assignedOperatorName: row.assignedOperatorName,
    lastSeq: row.lastSeq,
    lastMessagePreview: row.lastMessagePreview,
    lastMessageAt: row.lastMessageAt,
    waitingSince: row.waitingSince,
    pageUrl: row.pageUrl,
    pageTitle: row.pageTitle,
    lang: row.lang,
    referrer: row.referrer,
    timezone: row.timezone,
    device: row.device,
    createdAt: row.createdAt,
    rating:
      row.ratingScale === null || row.ratingScore === null
        ? null
        : { scale: row.ratingScale, score: row.ratingScore, comment: row.ratingComment, createdAt: row.ratingAt ?? 0 },
  };
}

import { AppError } from '../../shared/errors';
import type { RatingReportInput, RatingSubmitInput } from '../../shared/schemas';
import type { ConversationDto, RatingAskDto, RatingCounts, RatingDto, RatingReportDto } from '../../shared/types';
import type { Stores } from '../db/store';
import { whenRead } from '../db/when-read';
import type { Clock } from '../platform/clock';
import type { EventBus } from '../platform/events';
import type { Writer } from '../writer/group-commit';
import type { WidgetSettingsService } from '../console/widget-settings-service';
import { instantOf } from './business-hours';
import { toConversationDto } from './conversation-dto';
import type { RatingWrites } from './rating-writes';

const DAY = 24 * 60 * 60 * 1000;
const RECENT = 50;
/** The longest range a report covers. */
const MAX_REPORT_DAYS = 366;
/** The range a report covers when the console does not say. */
const DEFAULT_DAYS = 30;

const emptyCounts = (): RatingCounts => ({ thumbs: [0, 0], stars: [0, 0, 0, 0, 0] });

/**
 * Visitors' ratings: asked for when a conversation is resolved (on the scale the admin chose), stored
 * once per conversation by the writer thread, shown to operators on the conversation and in a report.
 */
export class RatingService {
  constructor(
    private readonly deps: {
      conversations: Stores['conversations'];
      ratings: Stores['ratings'];
      widget: WidgetSettingsService;
      writer: Writer<RatingWrites>;
      bus: EventBus;
      clock: Clock;
    },
  ) {}

  /** What the visitor is asked about this conversation: nothing unless it is resolved and not yet rated. */
  askFor(conversation: Pick<ConversationDto, 'id' | 'status' | 'rating'> | null): RatingAskDto | null {
    const scale = this.deps.widget.settings().ratingScale;
    if (!conversation || scale === 'off' || conversation.status !== 'resolved' || conversation.rating !== null) return null;
    return { conversationId: conversation.id, scale };
  }

  async submit(visitorId: number, input: RatingSubmitInput): Promise<RatingDto> {
    const scale = this.deps.widget.settings().ratingScale;
    if (scale === 'off') throw new AppError('invalid_state', 'Ratings are switched off.');
    if (scale === 'thumbs' ? input.score > 1 : input.score < 1)
      throw new AppError('invalid_payload', scale === 'thumbs' ? 'Rate 1 (good) or 0 (bad).' : 'Rate from 1 to 5.');
    const stored = await this.deps.writer.run('ratingSubmit', {
      visitorId,
      conversationId: input.conversationId,
      scale,
      score: input.score,
      comment: input.comment || null,
      now: this.deps.clock.now(),
    });
    if (stored.created) {
      // Operators see it on the conversation at once: the inbox row carries the rating. Pushed in the
      // write's continuation (see whenRead).
      await whenRead(this.deps.conversations.byRowId(stored.conversationRowId), (row) => {
        if (row) this.deps.bus.emit('conversation:changed', { conversation: toConversationDto(row), visitorId: row.visitorId });
      });
    }
    return stored.rating;
  }

  /**
   * Ratings given from the start of `from` to the end of `to`, days in the team's time zone; without
   * `to`, up to today there (which the console cannot know: the zone is the admin's setting), and
   * without `from`, the 30 days up to `to`.
   */
  async report(input: RatingReportInput): Promise<RatingReportDto> {
    const zone = this.deps.widget.settings().timezone;
    const to = input.to ?? new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(this.deps.clock.now());
    const toDay = Date.parse(`${to}T00:00:00Z`);
    if (Number.isNaN(toDay)) throw new AppError('invalid_payload', 'Not a date.');
    const from = input.from ?? new Date(toDay - (DEFAULT_DAYS - 1) * DAY).toISOString().slice(0, 10);
    const fromDay = Date.parse(`${from}T00:00:00Z`);
    if (Number.isNaN(fromDay)) throw new AppError('invalid_payload', 'Not a date.');
    if (toDay < fromDay) throw new AppError('invalid_payload', 'The range ends before it starts.');
    if ((toDay - fromDay) / DAY >= MAX_REPORT_DAYS) throw new AppError('invalid_payload', 'Choose a range of at most a year.');
    const start = instantOf(fromDay, zone);
    const end = instantOf(toDay + DAY, zone);
    const total = emptyCounts();
    const byOperator = new Map<number | null, RatingReportDto['byOperator'][number]>();
    for (const row of await this.deps.ratings.counts(start, end)) {
      let operator = byOperator.get(row.operatorId);
      if (!operator) {
        operator = { operatorId: row.operatorId, operatorName: row.operatorName, ...emptyCounts() };
        byOperator.set(row.operatorId, operator);
      }
      for (const counts of [total, operator]) {
        if (row.scale === 'thumbs') counts.thumbs[row.score] += row.n;
        else counts.stars[row.score - 1] += row.n;
      }
    }
    return {
      from,
      to,
      total,
      byOperator: [...byOperator.values()],
      recent: await this.deps.ratings.recent(start, end, RECENT),
    };
  }
}

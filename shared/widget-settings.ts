/**
 * The widget's settings an admin makes (Admin → Widget & hours): business hours with their time zone and
 * holidays, the greeting and away message in both languages, and the rating question asked on resolve.
 */
import type { Lang } from './types';

/** How a visitor rates a resolved conversation: good/bad, 1–5 stars, or not asked. */
export const RATING_SCALES = ['off', 'thumbs', 'stars'] as const;
export type RatingScale = (typeof RATING_SCALES)[number];

/** One opening range on a weekday, wall-clock "HH:MM" in the team's zone; `to` may be "24:00" (midnight). */
export interface OpeningRange {
  from: string;
  to: string;
}

export interface WidgetSettingsDto {
  /** Off: the team is always open as far as hours go (presence alone decides the offline mode). */
  hoursEnabled: boolean;
  /** IANA zone the hours and holidays are in, e.g. Europe/Berlin. */
  timezone: string;
  /** Monday first (index 0) to Sunday (6); each day's ranges sorted and not overlapping; none: closed. */
  week: OpeningRange[][];
  /** Whole days closed, "YYYY-MM-DD" in the team's zone. */
  holidays: string[];
  /** Outside the hours the bubble is not shown to visitors without a conversation. */
  hideOutsideHours: boolean;
  /** Shown when a visitor opens the chat; empty: the built-in one (or the page's data-greeting). */
  greeting: Record<Lang, string>;
  /** Shown in the offline form outside the hours or when nobody is online; empty: the built-in one. */
  away: Record<Lang, string>;
  ratingScale: RatingScale;
}

/** Whether the team is open now by its hours, and when it opens next (epoch ms; null when open or never). */
export interface AvailabilityDto {
  open: boolean;
  nextOpenAt: number | null;
  /** The team's zone, in which the widget says when it is back ("Monday at 9:00"). */
  timezone: string;
}

export const DEFAULT_WIDGET_SETTINGS: WidgetSettingsDto = {
  hoursEnabled: false,
  timezone: 'UTC',
  week: [0, 1, 2, 3, 4, 5, 6].map((day) => (day < 5 ? [{ from: '09:00', to: '17:00' }] : [])),
  holidays: [],
  hideOutsideHours: false,
  greeting: { en: '', ru: '' },
  away: { en: '', ru: '' },
  ratingScale: 'thumbs',
};

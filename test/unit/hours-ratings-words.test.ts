import { describe, expect, test } from 'vitest';
import { HOURS_WORDS, availabilityLine } from '../../widget/console/admin/hours-words';
import { consoleLang } from '../../widget/console/console-lang';
import { RATING_WORDS, average, percent, ratingLabel, ratingSums } from '../../widget/console/ratings-words';
import { parseRoute, routePath } from '../../widget/console/router';

const ZONE = 'Europe/Berlin';
// Thursday 3 December 2026, 12:00 in Berlin.
const NOW = Date.UTC(2026, 11, 3, 11, 0);

/** Every key of a catalogue, nested ones as "a.b". */
const keys = (o: object, prefix = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));

describe('the console’s words for hours and ratings', () => {
  test('English and Russian say the same things', () => {
    expect(keys(HOURS_WORDS.ru)).toEqual(keys(HOURS_WORDS.en));
    expect(keys(RATING_WORDS.ru)).toEqual(keys(RATING_WORDS.en));
    expect(HOURS_WORDS.ru.days).toHaveLength(7);
  });

  test('the language is the first of English or Russian the browser asks for', () => {
    expect(consoleLang(['ru-RU', 'en-US'])).toBe('ru');
    expect(consoleLang(['de-DE', 'ru'])).toBe('ru');
    expect(consoleLang(['de-DE', 'en-GB', 'ru'])).toBe('en');
    expect(consoleLang([])).toBe('en');
  });

  test('"now" says open, or closed and when the team is back, in the team’s zone', () => {
    const closed = (nextOpenAt: number | null) => ({ open: false, nextOpenAt, timezone: ZONE });
    expect(availabilityLine({ open: true, nextOpenAt: null, timezone: ZONE }, true, 'en', NOW)).toBe('Now: open');
    expect(availabilityLine(closed(null), false, 'en', NOW)).toMatch(/^Now: open — business hours are off/);
    // Monday 7 December, 09:00 Berlin (08:00 UTC).
    const monday = Date.UTC(2026, 11, 7, 8, 0);
    expect(availabilityLine(closed(monday), true, 'en', NOW)).toBe('Now: closed — back Monday at 9:00');
    expect(availabilityLine(closed(monday), true, 'ru', NOW)).toBe('Сейчас: закрыто — откроемся в понедельник в 9:00');
    // Tuesday: "во вторник".
    expect(availabilityLine(closed(monday + 86_400_000 + 30 * 60_000), true, 'ru', NOW)).toBe(
      'Сейчас: закрыто — откроемся во вторник в 9:30',
    );
    // A week or more away: the date, not the weekday.
    const january = Date.UTC(2027, 0, 4, 8, 0);
    expect(availabilityLine(closed(january), true, 'en', NOW)).toBe('Now: closed — back on 4 January at 9:00');
    expect(availabilityLine(closed(null), true, 'en', NOW)).toBe('Now: closed — no opening hours ahead');
  });

  test('ratings add up: counts, share good, star average and positive / neutral / negative', () => {
    const sums = ratingSums({ thumbs: [1, 3], stars: [1, 0, 2, 0, 3] });
    expect(sums).toEqual({
      count: 10,
      thumbs: 4,
      good: 3,
      shareGood: 0.75,
      starCount: 6,
      average: (1 + 3 * 2 + 5 * 3) / 6,
      positive: 6,
      neutral: 2,
      negative: 2,
    });
    expect(percent(sums.shareGood, 'en')).toBe('75%');
    expect(average(sums.average, 'ru')).toBe('3,7');
    expect(ratingSums({ thumbs: [0, 0], stars: [0, 0, 0, 0, 0] })).toMatchObject({ count: 0, shareGood: null, average: null });
    expect(percent(null, 'en')).toBe('—');
    expect(ratingLabel({ scale: 'thumbs', score: 0 }, 'en')).toEqual({ short: '👎 Bad', full: 'Bad' });
    expect(ratingLabel({ scale: 'stars', score: 4 }, 'ru')).toEqual({ short: '★ 4/5', full: '4 из 5 звёзд' });
  });

  test('the new pages have their own addresses', () => {
    for (const route of [{ page: 'ratings' }, { page: 'admin', section: 'hours' }, { page: 'admin', section: 'attachments' }] as const)
      expect(parseRoute(routePath(route))).toEqual(route);
    expect(routePath({ page: 'ratings' })).toBe('/console/ratings');
    expect(parseRoute('/console/ratings/x')).toEqual({ page: 'not-found' });
  });
});

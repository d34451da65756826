import type { Lang } from '../../shared/types';

const DAY_MS = 864e5;
const EN = { backAt: "We're back {day} at {time}.", today: 'today', tomorrow: 'tomorrow', onDate: 'on ' };
const RU: typeof EN = { backAt: 'Вернёмся {day} в {time}.', today: 'сегодня', tomorrow: 'завтра', onDate: '' };

/**
 * "We're back Monday at 9:00" / "Вернёмся в понедельник в 9:00": when the team opens next, told in the
 * team's zone (the hours are theirs), today/tomorrow when it is that close, the weekday within a week, the
 * date after. A visitor in another zone gets the zone's short name after the time ("09:00 CET").
 */
export function backAt(
  lang: Lang,
  at: number,
  zone: string,
  now = Date.now(),
  visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone,
): string {
  const w = lang === 'ru' ? RU : EN;
  const format = (options: Intl.DateTimeFormatOptions, locale = lang === 'ru' ? 'ru-RU' : 'en-GB') =>
    new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
  // The calendar day in the team's zone ("2026-12-07"), so that "tomorrow" is the team's tomorrow.
  const day = (ms: number) => Date.parse(format({}, 'en-CA').format(ms));
  const days = Math.round((day(at) - day(now)) / DAY_MS);
  let when = days < 1 ? w.today : days < 2 ? w.tomorrow : '';
  if (!when && days < 7) {
    when = format({ weekday: 'long' }).format(at);
    // Russian names the day in the accusative after «в» (в среду, в пятницу), and says «во вторник».
    if (lang === 'ru') when = (when.startsWith('вт') ? 'во ' : 'в ') + when.replace(/а$/, 'у');
  }
  when ||= w.onDate + format({ day: 'numeric', month: 'long' }).format(at);
  const elsewhere = visitorZone !== zone;
  const time = format({ hour: 'numeric', minute: '2-digit', timeZoneName: elsewhere ? 'short' : undefined }).format(at);
  return w.backAt.replace('{day}', when).replace('{time}', time);
}

import { describe, expect, test } from 'vitest';
import { backAt } from '../../widget/visitor/back-at';

// The away card's "back at" line: the team's zone, today/tomorrow, the weekday within a week, the date after.

const BERLIN = 'Europe/Berlin';
// Wednesday 25 November 2026, 11:00 in Berlin.
const now = Date.UTC(2026, 10, 25, 10, 0);
/** 09:00 in Berlin (08:00 UTC in winter) on that day of November or December 2026. */
const nine = (month: 10 | 11, day: number) => Date.UTC(2026, month, day, 8, 0);

const line = (lang: 'en' | 'ru', at: number, from = now, visitorZone = BERLIN) => backAt(lang, at, BERLIN, from, visitorZone);

describe('when the team is back', () => {
  test('later today, tomorrow, within the week by weekday, further off by date, in both languages', () => {
    expect(line('en', Date.UTC(2026, 10, 25, 14, 0))).toBe("We're back today at 15:00.");
    expect(line('ru', Date.UTC(2026, 10, 25, 14, 0))).toBe('Вернёмся сегодня в 15:00.');
    expect(line('en', nine(10, 26))).toBe("We're back tomorrow at 9:00.");
    expect(line('ru', nine(10, 26))).toBe('Вернёмся завтра в 9:00.');
    expect(line('en', nine(10, 30))).toBe("We're back Monday at 9:00.");
    expect(line('ru', nine(10, 30))).toBe('Вернёмся в понедельник в 9:00.');
    expect(line('en', nine(11, 14))).toBe("We're back on 14 December at 9:00.");
    expect(line('ru', nine(11, 14))).toBe('Вернёмся 14 декабря в 9:00.');
  });

  test('Russian weekdays take the accusative after «в», and «во» before вторник', () => {
    expect(line('ru', nine(10, 27))).toBe('Вернёмся в пятницу в 9:00.');
    expect(line('ru', nine(10, 28))).toBe('Вернёмся в субботу в 9:00.');
    expect(line('ru', nine(10, 29))).toBe('Вернёмся в воскресенье в 9:00.');
    expect(line('ru', nine(11, 1))).toBe('Вернёмся во вторник в 9:00.');
    expect(line('ru', nine(11, 2), Date.UTC(2026, 10, 26, 10, 0))).toBe('Вернёмся в среду в 9:00.');
    expect(line('ru', nine(11, 3), Date.UTC(2026, 10, 27, 10, 0))).toBe('Вернёмся в четверг в 9:00.');
  });

  test('"today" and "tomorrow" are the team’s days, not UTC’s', () => {
    // 23:30 UTC on Wednesday is already 00:30 on Thursday in Berlin: Thursday 09:00 is today there.
    expect(line('en', nine(10, 26), Date.UTC(2026, 10, 25, 23, 30))).toBe("We're back today at 9:00.");
  });

  test('a visitor in another zone is told which zone the time is in', () => {
    expect(line('en', nine(10, 26), now, 'Europe/London')).toBe("We're back tomorrow at 09:00 CET.");
    expect(line('ru', nine(10, 26), now, 'Asia/Yekaterinburg')).toMatch(/^Вернёмся завтра в 09:00 GMT\+1\.$/);
  });
});

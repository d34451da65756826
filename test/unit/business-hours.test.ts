import { describe, expect, test } from 'vitest';
import { availabilityAt, instantOf, offsetAt } from '../../server/chat/business-hours';
import { DEFAULT_WIDGET_SETTINGS, type WidgetSettingsDto } from '../../shared/widget-settings';

/** Monday to Friday 09:00–17:00 in `timezone`, closed at weekends. */
function weekdays(timezone: string, extra: Partial<WidgetSettingsDto> = {}): WidgetSettingsDto {
  return { ...DEFAULT_WIDGET_SETTINGS, hoursEnabled: true, timezone, ...extra };
}
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('business hours', () => {
  test('with hours switched off the team is always open by the hours', () => {
    expect(availabilityAt({ ...DEFAULT_WIDGET_SETTINGS, hoursEnabled: false }, at('2026-11-29T03:00:00Z'))).toEqual({
      open: true,
      nextOpenAt: null,
      closesAt: null,
    });
  });

  test('open and closed in the team’s zone, not in UTC', () => {
    const berlin = weekdays('Europe/Berlin'); // UTC+1 in November
    // Wednesday 08:30 UTC is 09:30 in Berlin: open until 17:00 Berlin (16:00 UTC).
    expect(availabilityAt(berlin, at('2026-11-25T08:30:00Z'))).toEqual({
      open: true,
      nextOpenAt: null,
      closesAt: at('2026-11-25T16:00:00Z'),
    });
    // 07:59 UTC is 08:59 in Berlin: not yet.
    expect(iso(availabilityAt(berlin, at('2026-11-25T07:59:00Z')).nextOpenAt)).toBe('2026-11-25T08:00:00.000Z');
    // The same instant in New York (UTC−5) is 02:59 at night.
    const ny = weekdays('America/New_York');
    expect(availabilityAt(ny, at('2026-11-25T07:59:00Z')).open).toBe(false);
    expect(iso(availabilityAt(ny, at('2026-11-25T07:59:00Z')).nextOpenAt)).toBe('2026-11-25T14:00:00.000Z');
  });

  test('across the spring DST change the next opening is 09:00 local, an hour earlier in UTC', () => {
    const berlin = weekdays('Europe/Berlin');
    // Friday 27 March 2026, 18:00 in Berlin (CET, UTC+1): closed for the weekend; clocks go forward on Sunday 29th.
    const friday = availabilityAt(berlin, at('2026-03-27T17:00:00Z'));
    expect(friday.open).toBe(false);
    // Monday 30 March 09:00 CEST (UTC+2) = 07:00 UTC, where the Friday before opened at 08:00 UTC.
    expect(iso(friday.nextOpenAt)).toBe('2026-03-30T07:00:00.000Z');
    expect(iso(availabilityAt(berlin, at('2026-03-27T07:30:00Z')).nextOpenAt)).toBe('2026-03-27T08:00:00.000Z');
    // Monday 06:59:59 UTC is 08:59:59 local: still closed; at 07:00 UTC open until 17:00 local = 15:00 UTC.
    expect(availabilityAt(berlin, at('2026-03-30T06:59:59Z')).open).toBe(false);
    expect(availabilityAt(berlin, at('2026-03-30T07:00:00Z'))).toEqual({
      open: true,
      nextOpenAt: null,
      closesAt: at('2026-03-30T15:00:00Z'),
    });
  });

  test('across the autumn DST change (and in another hemisphere’s zone) the hours stay local', () => {
    const ny = weekdays('America/New_York');
    // Friday 30 October 2026 17:30 EDT; clocks go back on Sunday 1 November: Monday 09:00 EST = 14:00 UTC.
    expect(iso(availabilityAt(ny, at('2026-10-30T21:30:00Z')).nextOpenAt)).toBe('2026-11-02T14:00:00.000Z');
    // Sydney goes forward on Sunday 4 October 2026 (AEST +10 → AEDT +11).
    const sydney = weekdays('Australia/Sydney');
    expect(iso(availabilityAt(sydney, at('2026-10-02T08:00:00Z')).nextOpenAt)).toBe('2026-10-04T22:00:00.000Z');
  });

  test('a range on the day of the change itself is measured in local time', () => {
    // Open Sundays 01:00–05:00 in Berlin: on 29 March 2026 02:00–03:00 does not exist, so it lasts three hours.
    const week = DEFAULT_WIDGET_SETTINGS.week.map((_, day) => (day === 6 ? [{ from: '01:00', to: '05:00' }] : []));
    const sunday = availabilityAt(weekdays('Europe/Berlin', { week }), at('2026-03-29T00:30:00Z'));
    expect(sunday).toEqual({ open: true, nextOpenAt: null, closesAt: at('2026-03-29T03:00:00Z') });
    expect(offsetAt(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetAt(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    // A wall-clock time inside the gap lands after it.
    expect(iso(instantOf(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
  });

  test('holidays are closed all day, and the next opening skips them', () => {
    const berlin = weekdays('Europe/Berlin', { holidays: ['2026-12-24', '2026-12-25'] });
    // Wednesday 23 December 2026, after hours: Thursday and Friday are holidays, then the weekend.
    const before = availabilityAt(berlin, at('2026-12-23T18:00:00Z'));
    expect(iso(before.nextOpenAt)).toBe('2026-12-28T08:00:00.000Z');
    // During a holiday's would-be hours it is closed.
    expect(availabilityAt(berlin, at('2026-12-24T10:00:00Z')).open).toBe(false);
  });

  test('several ranges a day, and ranges that touch across midnight count as one open period', () => {
    const week = DEFAULT_WIDGET_SETTINGS.week.map((_, day) =>
      day === 0
        ? [
            { from: '09:00', to: '12:00' },
            { from: '13:00', to: '24:00' },
          ]
        : day === 1
          ? [{ from: '00:00', to: '02:00' }]
          : [],
    );
    const utc = weekdays('UTC', { week });
    // Monday 30 November 2026 at lunch: back at 13:00.
    expect(iso(availabilityAt(utc, at('2026-11-30T12:15:00Z')).nextOpenAt)).toBe('2026-11-30T13:00:00.000Z');
    // Monday evening: open through midnight until Tuesday 02:00.
    expect(iso(availabilityAt(utc, at('2026-11-30T20:00:00Z')).closesAt)).toBe('2026-12-01T02:00:00.000Z');
    // Tuesday 03:00: next Monday 09:00.
    expect(iso(availabilityAt(utc, at('2026-12-01T03:00:00Z')).nextOpenAt)).toBe('2026-12-07T09:00:00.000Z');
  });

  test('a week with no hours at all never opens', () => {
    const closed = weekdays('UTC', { week: DEFAULT_WIDGET_SETTINGS.week.map(() => []) });
    expect(availabilityAt(closed, at('2026-11-25T10:00:00Z'))).toEqual({ open: false, nextOpenAt: null, closesAt: null });
  });
});

/**
 * "Open now / next opening" from business hours in an IANA time zone, with Intl only. Wall-clock times
 * are turned into instants through the zone's offset at that moment, so a week that crosses a DST change
 * opens at 09:00 local time on both sides of it.
 */
import type { AvailabilityDto, OpeningRange, WidgetSettingsDto } from '../../shared/widget-settings';

const MINUTE = 60_000;
/** How far ahead a next opening is looked for (a long holiday season still finds one). */
const SEARCH_DAYS = 400;

export interface Availability extends Omit<AvailabilityDto, 'timezone'> {
  /** When an open period ends (ranges that touch count as one); null when closed or always open. */
  closesAt: number | null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is a zone Intl knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instant`, as if that wall clock were UTC (epoch ms, whole seconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
}

/** The zone's offset from UTC at `instant`, in ms (Europe/Berlin in summer: +7,200,000). */
export function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallClock(whole, timeZone) - whole;
}

/**
 * The instant of a wall-clock time in `timeZone`: `local` is that wall clock written as UTC. A time that
 * does not exist (skipped by a spring-forward change) lands after the gap, as a JavaScript Date would put
 * it; one that happens twice (fall-back) is one of its two occurrences.
 */
export function instantOf(local: number, timeZone: string): number {
  const first = local - offsetAt(local, timeZone);
  const second = local - offsetAt(first, timeZone);
  if (first === second) return first;
  // Near a change the two guesses differ: take the one whose wall clock is right, else the later one (a gap).
  if (wallClock(second, timeZone) === local) return Math.min(first, second);
  return Math.max(first, second);
}

/** "HH:MM" → minutes after midnight ("24:00" is 1440). */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/** The local calendar day `instant` falls on in `timeZone`, as midnight UTC of that date. */
function localDay(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  return wall - (wall % (24 * 60 * MINUTE));
}

function isoDate(dayUtc: number): string {
  return new Date(dayUtc).toISOString().slice(0, 10);
}

/** The opening ranges of a calendar day (midnight UTC of the date): none on a holiday. */
function rangesOn(settings: WidgetSettingsDto, dayUtc: number, holidays: Set<string>): OpeningRange[] {
  if (holidays.has(isoDate(dayUtc))) return [];
  const weekday = (new Date(dayUtc).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return settings.week[weekday] ?? [];
}

/** Whether the team is open at `now` by its hours, until when, and when it opens next. */
export function availabilityAt(settings: WidgetSettingsDto, now: number): Availability {
  if (!settings.hoursEnabled) return { open: true, nextOpenAt: null, closesAt: null };
  const zone = settings.timezone;
  const holidays = new Set(settings.holidays);
  const today = localDay(now, zone);
  let closesAt: number | null = null;
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const day = today + i * 24 * 60 * MINUTE;
    for (const range of rangesOn(settings, day, holidays)) {
      const start = instantOf(day + minutesOf(range.from) * MINUTE, zone);
      const end = instantOf(day + minutesOf(range.to) * MINUTE, zone);
      if (end <= start) continue; // a range swallowed by a DST gap
      if (closesAt !== null) {
        // Open now: a range that starts where this one ends (17:00–24:00, then 00:00–02:00) continues it.
        if (start > closesAt) return { open: true, nextOpenAt: null, closesAt };
        closesAt = Math.max(closesAt, end);
      } else if (now >= start && now < end) {
        closesAt = end;
      } else if (start > now) {
        return { open: false, nextOpenAt: start, closesAt: null };
      }
    }
  }
  return closesAt !== null ? { open: true, nextOpenAt: null, closesAt } : { open: false, nextOpenAt: null, closesAt: null };
}

/**
 * Statutory deadlines per jurisdiction (design.md, "Deadlines"). Pure functions of the receipt time;
 * dates are computed in UTC and a deadline falls at the end of its day.
 */
import { REQUEST_TYPES, type Jurisdiction, type RequestKind, type RequestType } from '../../shared/privacy';

const DAY = 24 * 60 * 60 * 1000;

export interface DeadlinePolicy {
  /** When the answer is due. */
  dueAt: number;
  /** When an acknowledgement is due (CCPA), else null. */
  ackDueAt: number | null;
  /** The due date after the one allowed extension, or null when the law allows none. */
  extendedDueAt: number | null;
  /** The law behind it, shown to operators. */
  basis: string;
}

function endOfDay(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 23, 59, 59, 999);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Same day-number `months` later, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb). */
export function addCalendarMonths(t: number, months: number): number {
  const d = new Date(t);
  const total = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export function addCalendarDays(t: number, days: number): number {
  return t + days * DAY;
}

/**
 * Russian non-working public holidays (Labour Code art. 112). The government's yearly transfer of
 * days off is not modelled: those shifts are announced a year at a time.
 */
const RU_HOLIDAYS = new Set([
  '01-01',
  '01-02',
  '01-03',
  '01-04',
  '01-05',
  '01-06',
  '01-07',
  '01-08',
  '02-23',
  '03-08',
  '05-01',
  '05-09',
  '06-12',
  '11-04',
]);

export function isRussianWorkingDay(t: number): boolean {
  const d = new Date(t);
  const weekday = d.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const key = `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  return !RU_HOLIDAYS.has(key);
}

export function isBusinessDay(t: number): boolean {
  const weekday = new Date(t).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** Counts `days` qualifying days after the day of `t` (the day of receipt does not count). */
export function addWorkingDays(t: number, days: number, isWorking: (t: number) => boolean): number {
  let cursor = t;
  let left = days;
  while (left > 0) {
    cursor += DAY;
    if (isWorking(cursor)) left--;
  }
  return cursor;
}

/**
 * The deadlines for a request of `type` received at `receivedAt` under `jurisdiction`. A request that needs
 * triage (type null) is due by the earliest deadline any type has, acknowledged by the earliest
 * acknowledgement, and cannot be extended: the clock runs from receipt whatever it turns out to be, and
 * classifying it sets the deadline of its type.
 */
export function deadlineFor(jurisdiction: Jurisdiction, type: RequestKind, receivedAt: number): DeadlinePolicy {
  if (type === null) {
    const all = REQUEST_TYPES.map((t) => deadlineOfType(jurisdiction, t, receivedAt));
    const earliest = all.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
    const acks = all.map((d) => d.ackDueAt).filter((t): t is number => t !== null);
    return {
      dueAt: earliest.dueAt,
      ackDueAt: acks.length ? Math.min(...acks) : null,
      extendedDueAt: null,
      basis: `until classified, the earliest deadline of any request type (${earliest.basis})`,
    };
  }
  return deadlineOfType(jurisdiction, type, receivedAt);
}

function deadlineOfType(jurisdiction: Jurisdiction, type: RequestType, receivedAt: number): DeadlinePolicy {
  switch (jurisdiction) {
    case 'gdpr':
      return {
        dueAt: endOfDay(addCalendarMonths(receivedAt, 1)),
        ackDueAt: null,
        extendedDueAt: endOfDay(addCalendarMonths(receivedAt, 3)),
        basis: 'GDPR Art. 12(3): one month, extendable by two further months',
      };
    case 'ccpa':
      return {
        dueAt: endOfDay(addCalendarDays(receivedAt, 45)),
        ackDueAt: endOfDay(addWorkingDays(receivedAt, 10, isBusinessDay)),
        extendedDueAt: endOfDay(addCalendarDays(receivedAt, 90)),
        basis: 'CCPA Regs. §7021: acknowledge in 10 business days, answer in 45 days (+45)',
      };
    case '152fz': {
      const wd = (n: number) => endOfDay(addWorkingDays(receivedAt, n, isRussianWorkingDay));
      switch (type) {
        case 'access':
          return { dueAt: wd(10), ackDueAt: null, extendedDueAt: wd(15), basis: '152-FZ Art. 20 parts 1–2: 10 working days (+5)' };
        case 'rectification':
          return { dueAt: wd(7), ackDueAt: null, extendedDueAt: null, basis: '152-FZ Art. 20 part 3: 7 working days' };
        case 'objection':
          return { dueAt: wd(10), ackDueAt: null, extendedDueAt: wd(15), basis: '152-FZ Art. 21 part 5.1: 10 working days (+5)' };
        case 'erasure':
          return {
            dueAt: endOfDay(addCalendarDays(receivedAt, 30)),
            ackDueAt: null,
            extendedDueAt: null,
            basis: '152-FZ Art. 21 part 5: consent withdrawn, stop and destroy within 30 days',
          };
      }
    }
  }
}

import { describe, expect, test } from 'vitest';
import { deadlineFor, isRussianWorkingDay } from '../../server/privacy/deadlines';
import { OPEN_STATES, REQUEST_STATES, REQUEST_TYPES, canTransition, isOpen, type RequestState } from '../../shared/privacy';

/** A receipt time: the given UTC date at 10:00. */
function at(date: string, time = '10:00:00'): number {
  return Date.parse(`${date}T${time}.000Z`);
}

/** A deadline falls at the very end of its UTC day. */
function endOf(date: string): number {
  return Date.parse(`${date}T23:59:59.999Z`);
}

function day(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

describe('GDPR deadlines', () => {
  test('one calendar month on the same day-number, at the end of that day', () => {
    const d = deadlineFor('gdpr', 'erasure', at('2026-11-25'));
    expect(day(d.dueAt)).toBe(day(endOf('2026-12-25')));
    expect(d.ackDueAt).toBeNull();
  });

  test('31 January is due on 28 February in a common year', () => {
    expect(day(deadlineFor('gdpr', 'access', at('2026-01-31')).dueAt)).toBe(day(endOf('2026-02-28')));
  });

  test('31 January is due on 29 February in the leap year 2028', () => {
    expect(day(deadlineFor('gdpr', 'access', at('2028-01-31')).dueAt)).toBe(day(endOf('2028-02-29')));
  });

  test('31 March is due on 30 April', () => {
    expect(day(deadlineFor('gdpr', 'rectification', at('2026-03-31')).dueAt)).toBe(day(endOf('2026-04-30')));
  });

  test('a request received in December is due in January of the next year', () => {
    expect(day(deadlineFor('gdpr', 'objection', at('2026-12-31')).dueAt)).toBe(day(endOf('2027-01-31')));
  });

  test('a receipt late in the day still counts from that day', () => {
    expect(day(deadlineFor('gdpr', 'erasure', at('2026-11-25', '23:59:59')).dueAt)).toBe(day(endOf('2026-12-25')));
  });

  test('the extension reaches three months from receipt, clamped to the month end', () => {
    expect(day(deadlineFor('gdpr', 'erasure', at('2026-11-25')).extendedDueAt)).toBe(day(endOf('2027-02-25')));
    expect(day(deadlineFor('gdpr', 'erasure', at('2026-01-31')).extendedDueAt)).toBe(day(endOf('2026-04-30')));
    expect(day(deadlineFor('gdpr', 'erasure', at('2026-03-31')).extendedDueAt)).toBe(day(endOf('2026-06-30')));
  });

  test('every request type gets the same GDPR deadline', () => {
    const dues = REQUEST_TYPES.map((type) => deadlineFor('gdpr', type, at('2026-05-15')).dueAt);
    expect(new Set(dues).size).toBe(1);
    expect(day(dues[0])).toBe(day(endOf('2026-06-15')));
  });
});

describe('152-FZ deadlines in Russian working days', () => {
  test('weekends and public holidays are not working days', () => {
    expect(isRussianWorkingDay(at('2026-11-06'))).toBe(true); // Friday
    expect(isRussianWorkingDay(at('2026-11-07'))).toBe(false); // Saturday
    expect(isRussianWorkingDay(at('2026-11-08'))).toBe(false); // Sunday
    expect(isRussianWorkingDay(at('2026-11-04'))).toBe(false); // Unity Day, a Wednesday
    expect(isRussianWorkingDay(at('2027-01-05'))).toBe(false); // New Year holidays, a Tuesday
    expect(isRussianWorkingDay(at('2027-01-08'))).toBe(false); // last New Year holiday, a Friday
    expect(isRussianWorkingDay(at('2027-01-11'))).toBe(true); // Monday after the holidays
    expect(isRussianWorkingDay(at('2026-02-23'))).toBe(false); // Defender of the Fatherland Day, a Monday
  });

  test('an access request received on a Friday is due ten working days later, skipping the weekends', () => {
    const d = deadlineFor('152fz', 'access', at('2026-11-06'));
    expect(day(d.dueAt)).toBe(day(endOf('2026-11-20')));
    expect(day(d.extendedDueAt)).toBe(day(endOf('2026-11-27')));
    expect(d.ackDueAt).toBeNull();
  });

  test('4 November does not count as a working day', () => {
    // Received Monday 2 Nov: without the holiday the tenth working day would be Monday 16 Nov.
    expect(day(deadlineFor('152fz', 'access', at('2026-11-02')).dueAt)).toBe(day(endOf('2026-11-17')));
  });

  test('the New Year holidays 1–8 January do not count', () => {
    // Received Wednesday 30 Dec: 31 Dec is day 1, then nothing until Monday 11 Jan.
    expect(day(deadlineFor('152fz', 'access', at('2026-12-30')).dueAt)).toBe(day(endOf('2027-01-21')));
  });

  test('a demand to stop processing gets ten working days plus five', () => {
    const d = deadlineFor('152fz', 'objection', at('2026-11-06'));
    expect(day(d.dueAt)).toBe(day(endOf('2026-11-20')));
    expect(day(d.extendedDueAt)).toBe(day(endOf('2026-11-27')));
  });

  test('a correction is due in seven working days and cannot be extended', () => {
    const overNewYear = deadlineFor('152fz', 'rectification', at('2026-12-30'));
    expect(day(overNewYear.dueAt)).toBe(day(endOf('2027-01-18')));
    expect(overNewYear.extendedDueAt).toBeNull();
    // Received Friday 20 Feb: the weekend and Monday 23 Feb (a holiday) are skipped.
    expect(day(deadlineFor('152fz', 'rectification', at('2026-02-20')).dueAt)).toBe(day(endOf('2026-03-04')));
  });

  test('an erasure (consent withdrawn) is due in 30 calendar days and cannot be extended', () => {
    const d = deadlineFor('152fz', 'erasure', at('2026-11-25'));
    expect(day(d.dueAt)).toBe(day(endOf('2026-12-25')));
    expect(d.extendedDueAt).toBeNull();
    // Calendar days: holidays and weekends count.
    expect(day(deadlineFor('152fz', 'erasure', at('2026-12-30')).dueAt)).toBe(day(endOf('2027-01-29')));
  });
});

describe('CCPA deadlines', () => {
  test('the answer is due in 45 calendar days, extendable to 90', () => {
    const d = deadlineFor('ccpa', 'erasure', at('2026-11-25'));
    expect(day(d.dueAt)).toBe(day(endOf('2027-01-09')));
    expect(day(d.extendedDueAt)).toBe(day(endOf('2027-02-23')));
  });

  test('the acknowledgement is due in ten business days, weekends skipped', () => {
    expect(day(deadlineFor('ccpa', 'access', at('2026-11-25')).ackDueAt)).toBe(day(endOf('2026-12-09')));
    expect(day(deadlineFor('ccpa', 'access', at('2026-11-06')).ackDueAt)).toBe(day(endOf('2026-11-20')));
  });

  test('every request type gets the same CCPA deadlines', () => {
    const all = REQUEST_TYPES.map((type) => deadlineFor('ccpa', type, at('2026-11-25')));
    for (const d of all) expect([d.dueAt, d.ackDueAt, d.extendedDueAt]).toEqual([all[0].dueAt, all[0].ackDueAt, all[0].extendedDueAt]);
  });
});

describe('request state machine', () => {
  // design.md: awaiting_verification → verified → in_progress → completed | rejected;
  // awaiting_verification → expired; rejection is possible while a request is open.
  const allowed: ReadonlyArray<[RequestState, RequestState]> = [
    ['awaiting_verification', 'verified'],
    ['awaiting_verification', 'expired'],
    ['awaiting_verification', 'rejected'],
    ['verified', 'in_progress'],
    ['verified', 'rejected'],
    ['in_progress', 'completed'],
    ['in_progress', 'rejected'],
  ];

  test('exactly the designed transitions are allowed', () => {
    const key = (from: RequestState, to: RequestState) => `${from}→${to}`;
    const expected = new Set(allowed.map(([from, to]) => key(from, to)));
    const actual = new Set<string>();
    for (const from of REQUEST_STATES) for (const to of REQUEST_STATES) if (canTransition(from, to)) actual.add(key(from, to));
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  test('a request cannot be completed without being started', () => {
    expect(canTransition('verified', 'completed')).toBe(false);
    expect(canTransition('awaiting_verification', 'completed')).toBe(false);
    expect(canTransition('awaiting_verification', 'in_progress')).toBe(false);
  });

  test('closed requests go nowhere', () => {
    for (const closed of ['completed', 'rejected', 'expired'] as const) {
      for (const to of REQUEST_STATES) expect(canTransition(closed, to)).toBe(false);
      expect(isOpen(closed)).toBe(false);
    }
  });

  test('no state transitions to itself', () => {
    for (const state of REQUEST_STATES) expect(canTransition(state, state)).toBe(false);
  });

  test('the open states are those awaiting verification, verified and in progress', () => {
    expect([...OPEN_STATES].sort()).toEqual(['awaiting_verification', 'in_progress', 'verified']);
    for (const state of OPEN_STATES) expect(isOpen(state)).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent, VisitorPush } from '../../shared/protocol';
import { type AvailabilityDto, DEFAULT_WIDGET_SETTINGS, type WidgetSettingsDto } from '../../shared/widget-settings';
import { errorCode, signedInOperator, socketTracker } from '../helpers/sockets';
import { call, next, ok, startTestApp, TestClock, visitorClient, type OperatorClient, type TestApp } from '../helpers/test-app';

// Business hours, greeting and away message: what the admin sets and what visitors are told.

let t: TestApp;
let clock: TestClock;
let admin: OperatorClient;
const sockets = socketTracker();

beforeEach(async () => {
  // Wednesday 25 November 2026, 10:00 UTC = 11:00 in Berlin.
  clock = new TestClock(Date.UTC(2026, 10, 25, 10, 0, 0));
  t = await startTestApp({ clock });
  admin = await signedInOperator(t.url, sockets);
});

afterEach(async () => {
  sockets.closeAll();
  await t.close();
});

/** Weekdays 09:00–17:00 in Berlin, and whatever else is given. */
function berlinHours(extra: Partial<WidgetSettingsDto> = {}): WidgetSettingsDto {
  return { ...DEFAULT_WIDGET_SETTINGS, hoursEnabled: true, timezone: 'Europe/Berlin', ...extra };
}

const widgetStatus = async () => {
  const res = await fetch(`${t.url}/widget-status.json`);
  return { cors: res.headers.get('access-control-allow-origin'), body: (await res.json()) as { hidden: boolean; backAt?: number } };
};

describe('business hours', () => {
  test('on a holiday a visitor is told the team is closed and when it is back, with the greeting and away message in their language', async () => {
    const saved = await ok(
      admin,
      OperatorEvent.widgetSettingsSave,
      berlinHours({
        holidays: ['2026-11-25'],
        greeting: { en: 'Hello from the shop!', ru: 'Здравствуйте, это магазин!' },
        away: { en: 'We are closed today.', ru: 'Сегодня мы не работаем.' },
      }),
    );
    // Thursday 09:00 in Berlin is 08:00 UTC.
    expect(saved.availability).toMatchObject({ open: false, nextOpenAt: Date.UTC(2026, 10, 26, 8, 0) });

    const ru = sockets.track(visitorClient(t.url));
    const hello = await ok(ru, VisitorEvent.hello, { lang: 'ru' });
    expect(hello.availability).toMatchObject({ open: false, nextOpenAt: Date.UTC(2026, 10, 26, 8, 0) });
    expect(hello.greeting).toBe('Здравствуйте, это магазин!');
    expect(hello.awayMessage).toBe('Сегодня мы не работаем.');
    const en = sockets.track(visitorClient(t.url));
    expect(await ok(en, VisitorEvent.hello, { lang: 'en' })).toMatchObject({
      greeting: 'Hello from the shop!',
      awayMessage: 'We are closed today.',
    });

    // Stored by the writer thread, and read back by the console.
    const stored = t.db.prepare(`SELECT value FROM settings WHERE key = 'widget'`).pluck().get() as string;
    expect(JSON.parse(stored)).toMatchObject({ timezone: 'Europe/Berlin', holidays: ['2026-11-25'] });
    expect((await ok(admin, OperatorEvent.widgetSettingsGet, {})).settings.away.ru).toBe('Сегодня мы не работаем.');
  });

  test('a connected visitor hears when the hours change: closed now, then open', async () => {
    const visitor = sockets.track(visitorClient(t.url));
    const hello = await ok(visitor, VisitorEvent.hello, {});
    // Hours off by default: open.
    expect(hello.availability).toMatchObject({ open: true, nextOpenAt: null });
    expect(hello.greeting).toBeNull();

    // Only Mondays: on a Wednesday the team is back next Monday 09:00 Berlin (08:00 UTC).
    const mondays = DEFAULT_WIDGET_SETTINGS.week.map((_, day) => (day === 0 ? [{ from: '09:00', to: '17:00' }] : []));
    const closed = next<AvailabilityDto>(visitor, VisitorPush.availability);
    await ok(admin, OperatorEvent.widgetSettingsSave, berlinHours({ week: mondays }));
    expect(await closed).toMatchObject({ open: false, nextOpenAt: Date.UTC(2026, 10, 30, 8, 0) });

    const open = next<AvailabilityDto>(visitor, VisitorPush.availability);
    await ok(admin, OperatorEvent.widgetSettingsSave, berlinHours());
    expect(await open).toMatchObject({ open: true, nextOpenAt: null });
  });

  test('the bubble is hidden outside the hours only when the admin asks for it', async () => {
    expect(await widgetStatus()).toEqual({ cors: '*', body: { hidden: false } });
    await ok(admin, OperatorEvent.widgetSettingsSave, berlinHours({ holidays: ['2026-11-25'] }));
    expect((await widgetStatus()).body).toEqual({ hidden: false });
    await ok(admin, OperatorEvent.widgetSettingsSave, berlinHours({ holidays: ['2026-11-25'], hideOutsideHours: true }));
    // With when the team is back (the next morning, 09:00 in Berlin): a page still open then shows the bubble.
    expect((await widgetStatus()).body).toEqual({ hidden: true, backAt: Date.UTC(2026, 10, 26, 8, 0) });
    // Within the hours it shows.
    await ok(admin, OperatorEvent.widgetSettingsSave, berlinHours({ hideOutsideHours: true }));
    expect((await widgetStatus()).body).toEqual({ hidden: false });
  });

  test('hours that make no sense are refused and change nothing', async () => {
    const week = (ranges: Array<{ from: string; to: string }>) => DEFAULT_WIDGET_SETTINGS.week.map((_, d) => (d === 2 ? ranges : []));
    const refused = [
      berlinHours({ timezone: 'Mars/Olympus_Mons' }),
      berlinHours({ week: week([{ from: '17:00', to: '09:00' }]) }),
      berlinHours({
        week: week([
          { from: '09:00', to: '13:00' },
          { from: '12:00', to: '18:00' },
        ]),
      }),
      berlinHours({ week: week([{ from: '09:00', to: '25:00' }]) }),
      { ...berlinHours(), week: [[]] },
      berlinHours({ holidays: ['25.11.2026'] }),
    ];
    for (const settings of refused)
      expect(errorCode(await call(admin, OperatorEvent.widgetSettingsSave, settings))).toBe('invalid_payload');
    expect((await ok(admin, OperatorEvent.widgetSettingsGet, {})).settings).toEqual(DEFAULT_WIDGET_SETTINGS);
    // Ranges given out of order are kept in order.
    const saved = await ok(
      admin,
      OperatorEvent.widgetSettingsSave,
      berlinHours({
        week: week([
          { from: '14:00', to: '18:00' },
          { from: '08:00', to: '10:30' },
        ]),
      }),
    );
    expect(saved.settings.week[2]).toEqual([
      { from: '08:00', to: '10:30' },
      { from: '14:00', to: '18:00' },
    ]);
    // Wednesday 11:00 Berlin is between the two: back at 14:00 Berlin (13:00 UTC).
    expect(saved.availability).toMatchObject({ open: false, nextOpenAt: Date.UTC(2026, 10, 25, 13, 0) });
  });
});

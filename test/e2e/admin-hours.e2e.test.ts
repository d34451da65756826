import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { iconButtonProblems, launchBrowser, signInOperator } from '../helpers/browser';
import { say, signedInOperator, socketTracker } from '../helpers/sockets';
import { ADMIN, connected, ok, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

// The console's side of business hours, attachment limits and ratings, clicked through in Chromium; what
// the admin saves is checked where it matters: in what the server tells visitors and operators.

const OUTPUT_DIR = path.resolve('test-output');
const ZONE = 'America/New_York';
const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

/** "YYYY-MM-DD" of now in `zone`. */
const todayIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());

/** How far the page is wider than the window (0: nothing overflows horizontally). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The console's main column scrolls by itself: the window is made as tall as its content for a whole-page picture. */
const contentHeight = (page: Page) =>
  page.evaluate(() => {
    const main = document.querySelector('cw-console')?.shadowRoot?.querySelector('main');
    return Math.ceil((main?.scrollHeight ?? 0) + (main?.getBoundingClientRect().top ?? 0) + 24);
  });

/** Records what our Content-Security-Policy refused (style-src 'self': no style attributes). */
const WATCH_CSP = () => {
  const seen: string[] = [];
  (window as unknown as { __csp: string[] }).__csp = seen;
  document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.sample}`));
};

/**
 * Whole-page screenshots at desktop width and at 390 px; at 390 px nothing may overflow sideways. The page
 * must also have drawn without a CSP refusal, and every icon-only button must be an SVG with a name.
 */
async function shoot(page: Page, name: string): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(await iconButtonProblems(page)).toEqual([]);
  await page.setViewportSize({ width: desktop.width, height: Math.max(desktop.height, await contentHeight(page)) });
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}-desktop.png`) });
  await page.setViewportSize(phone);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: phone.width, height: Math.max(phone.height, await contentHeight(page)) });
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}-390.png`) });
  await page.setViewportSize(desktop);
}

describe('admin pages for hours, attachments and ratings', () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const sockets = socketTracker();
  afterEach(sockets.closeAll);

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    browser = await launchBrowser();
    // Reduced motion: the navigation drawer does not slide while a 390 px picture is taken.
    // The browser's zone differs from the team's: the report's first range is the team's 30 days all the same.
    context = await browser.newContext({ viewport: desktop, timezoneId: 'Asia/Tokyo', locale: 'en-GB', reducedMotion: 'reduce' });
    await context.addInitScript(WATCH_CSP);
    page = await context.newPage();
    await signInOperator(page, app.url, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  test('an admin sets hours with a time zone, a holiday and a second range; a refused save says why; the saved hours survive a reload and visitors are told the team is closed', async () => {
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Widget & hours' }).click();
    const enabled = page.getByLabel('Use business hours');
    await enabled.waitFor();
    await expect.poll(() => page.getByText(/^Now: open — business hours are off/).count()).toBe(1);

    await enabled.check();
    await page.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').getByText('Pick a time zone from the list.').waitFor();
    await page.getByLabel('Time zone', { exact: true }).fill(ZONE);
    // Monday: 09:00–17:00 and a second range that overlaps it at first.
    await page.getByRole('button', { name: 'Add hours on Monday' }).click();
    await page.getByLabel('Monday, from').nth(1).fill('16:00');
    await page.getByLabel('Monday, to').nth(1).fill('20:00');
    // Saturday was closed: open it 10:00–14:00.
    await page.getByRole('button', { name: 'Add hours on Saturday' }).click();
    await page.getByLabel('Saturday, from').fill('10');
    await page.getByLabel('Saturday, to').fill('14:00');
    // Sunday: open until midnight (24:00).
    await page.getByRole('button', { name: 'Add hours on Sunday' }).click();
    await page.getByLabel('Sunday, to').fill('24:00');
    const holiday = todayIn(ZONE);
    await page.getByLabel('Date', { exact: true }).fill(holiday);
    await page.getByRole('button', { name: 'Add holiday' }).click();
    await page.getByRole('button', { name: `Remove holiday ${holiday}` }).waitFor();
    await page.getByLabel('Away message (English)').fill('We are closed today; leave your e-mail.');
    await page.getByLabel('Away message (Russian)').fill('Сегодня мы не работаем; оставьте e-mail.');
    await page.getByLabel('1 to 5 stars').check();

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').getByText('Monday: 16:00–20:00 overlaps the range before it.').waitFor();
    await page.getByLabel('Monday, from').nth(1).fill('18:00');
    // Tuesday to Friday get Monday's hours too.
    await page.getByRole('button', { name: 'Copy Monday’s hours to Tuesday–Friday' }).click();
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect(await page.getByText('Unsaved changes').count()).toBe(0);
    // Today is a holiday there: closed, and back on a later day.
    await page.getByText(/^Now: closed — back \w+day at \d{1,2}:00$/).waitFor();
    await shoot(page, 'admin-hours');

    await page.reload();
    await page.getByLabel('Use business hours').waitFor();
    expect(await page.getByLabel('Use business hours').isChecked()).toBe(true);
    expect(await page.getByLabel('Time zone', { exact: true }).inputValue()).toBe(ZONE);
    expect(await page.getByLabel('Monday, from').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual([
      '09:00',
      '18:00',
    ]);
    expect(await page.getByLabel('Monday, to').nth(1).inputValue()).toBe('20:00');
    expect(await page.getByLabel('Saturday, from').inputValue()).toBe('10:00');
    expect(await page.getByLabel('Sunday, to').inputValue()).toBe('24:00');
    await page.getByRole('button', { name: `Remove holiday ${holiday}` }).waitFor();
    expect(await page.getByLabel('Away message (English)').inputValue()).toBe('We are closed today; leave your e-mail.');
    expect(await page.getByLabel('1 to 5 stars').isChecked()).toBe(true);

    // What the server made of it: the saved settings, and what a visitor is told.
    const op = await signedInOperator(app.url, sockets);
    const { settings } = await ok(op, OperatorEvent.widgetSettingsGet, {});
    expect(settings).toMatchObject({ hoursEnabled: true, timezone: ZONE, holidays: [holiday], ratingScale: 'stars' });
    expect(settings.week[0]).toEqual([
      { from: '09:00', to: '17:00' },
      { from: '18:00', to: '20:00' },
    ]);
    for (const day of [1, 2, 3, 4]) expect(settings.week[day]).toEqual(settings.week[0]);
    expect(settings.week[5]).toEqual([{ from: '10:00', to: '14:00' }]);
    expect(settings.week[6]).toEqual([{ from: '09:00', to: '24:00' }]);
    const visitor = sockets.track(visitorClient(app.url));
    await connected(visitor);
    const hello = await ok(visitor, VisitorEvent.hello, { lang: 'en' });
    expect(hello.availability.open).toBe(false);
    expect(hello.availability.timezone).toBe(ZONE);
    expect(hello.availability.nextOpenAt).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(hello.availability.nextOpenAt ?? 0)).not.toBe(holiday);
    expect(hello.awayMessage).toBe('We are closed today; leave your e-mail.');
  });

  test('an admin changes the attachment limits; a limit out of range is refused with the reason; the saved one is what the server answers', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Attachments' }).click();
    const size = page.getByLabel('Largest file (MB)');
    await size.waitFor();
    expect(await size.inputValue()).toBe('10');
    await size.fill('60');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').getByText('Enter a whole number of megabytes from 1 to 50.').waitFor();

    await size.fill('7');
    await page.getByLabel('GIF images').uncheck();
    await page.getByLabel('PDF documents').uncheck();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await shoot(page, 'admin-attachments');

    const op = await signedInOperator(app.url, sockets);
    expect((await ok(op, OperatorEvent.attachmentSettingsGet, {})).settings).toEqual({
      maxMb: 7,
      types: ['image/jpeg', 'image/png', 'image/webp'],
    });
    await page.reload();
    await page.getByLabel('Largest file (MB)').waitFor();
    expect(await page.getByLabel('Largest file (MB)').inputValue()).toBe('7');
    expect(await page.getByLabel('PDF documents').isChecked()).toBe(false);
    expect(await page.getByLabel('PNG images').isChecked()).toBe(true);
  });

  test('a rating a visitor gave shows in the report’s totals, table and chart, and on the conversation', async () => {
    // A visitor's conversation, answered and resolved by the admin, rated 4 stars (the scale set above).
    const op = await signedInOperator(app.url, sockets);
    const visitor = sockets.track(visitorClient(app.url));
    await connected(visitor);
    await ok(visitor, VisitorEvent.hello, { lang: 'en' });
    const conversationId = await say(visitor, 'Is my order on its way?');
    await ok(op, OperatorEvent.messageSend, { conversationId, clientId: `reply-${conversationId}`, text: 'It left today.' });
    await ok(op, OperatorEvent.conversationResolve, { conversationId });
    await ok(visitor, VisitorEvent.ratingSubmit, { conversationId, score: 4, comment: 'Quick and kind' });

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Ratings' }).click();
    await page.getByRole('heading', { name: 'Totals' }).waitFor();
    // The first range is the team's last 30 days, whatever the browser's zone.
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(todayIn(ZONE));
    expect(await page.locator('[data-total="count"]').textContent()).toBe('1');
    expect(await page.locator('[data-total="average"]').textContent()).toMatch(/^4\.0/);
    const table = page.getByRole('table', { name: 'Per operator' });
    const row = table.getByRole('row', { name: /^Admin / });
    expect((await row.getByRole('cell').allInnerTexts()).map((t) => t.trim())).toEqual(['1', '0', '0', '—', '1', '4.0']);
    // The chart says the same in words, and draws one positive bar the full width.
    await page.getByRole('img', { name: 'Ratings per operator. Admin: 1 Positive, 0 Neutral, 0 Negative.' }).waitFor();
    expect(await page.locator('.bar-row rect.positive').getAttribute('width')).toBe('100');
    const recent = page.getByRole('table', { name: 'Latest ratings' });
    await recent.getByText('Quick and kind').waitFor();
    await recent.getByText('4 of 5 stars').waitFor();
    await shoot(page, 'ratings');

    // A range without it: nothing to show.
    await page.getByLabel('From', { exact: true }).fill('2025-01-01');
    await page.getByLabel('To', { exact: true }).fill('2025-01-31');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('No ratings in this range').waitFor();
    await page.getByLabel('To', { exact: true }).fill(todayIn(ZONE));
    await page.getByLabel('From', { exact: true }).fill(todayIn(ZONE));
    await page.getByRole('button', { name: 'Show' }).click();
    await recent.getByRole('link', { name: /^Open the conversation with Visitor / }).click();

    const thread = page.getByRole('region', { name: 'Conversation' });
    await thread.getByText('Visitor’s rating: 4 of 5 stars').waitFor();
    await thread.getByText('Quick and kind').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/inbox/${conversationId}`);
    await shoot(page, 'conversation-rating');
  });

  test('in a Russian browser the pages speak Russian', async () => {
    const ru = await browser.newContext({ viewport: desktop, timezoneId: 'UTC', locale: 'ru-RU', reducedMotion: 'reduce' });
    try {
      await ru.addInitScript(WATCH_CSP);
      const p = await ru.newPage();
      await signInOperator(p, app.url, ADMIN.email, ADMIN.password);
      await p.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Виджет и часы' }).click();
      await p.getByLabel('Учитывать часы работы').waitFor();
      await p.getByText(/^Сейчас: закрыто — откроемся (в|во) \p{L}+ в \d{1,2}:00$/u).waitFor();
      await shoot(p, 'admin-hours-ru');
      await p.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Оценки' }).click();
      await p.getByRole('heading', { name: 'Итого' }).waitFor();
      await shoot(p, 'ratings-ru');
    } finally {
      await ru.close();
    }
  });
});

import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent } from '../../shared/protocol';
import type { Lang } from '../../shared/types';
import { DEFAULT_WIDGET_SETTINGS, type WidgetSettingsDto } from '../../shared/widget-settings';
import { launchBrowser } from '../helpers/browser';
import { startHostPage } from '../helpers/shop-site';
import { signedInOperator, socketTracker } from '../helpers/sockets';
import { ok, startTestApp, type OperatorClient, type TestApp } from '../helpers/test-app';

// The visitor widget outside business hours, after a resolve (the rating) and asking for a transcript:
// a real server, a real operator socket, the real widget in Chromium, mails read from the test SMTP server.

const OUTPUT_DIR = path.resolve('test-output');
const ZONE = 'Europe/Berlin';
const EN_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const RU_DAYS = ['в понедельник', 'во вторник', 'в среду', 'в четверг', 'в пятницу', 'в субботу', 'в воскресенье'];

/** Today's weekday in the team's zone, Monday 0. */
function todayInZone(): number {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, weekday: 'long' }).format(Date.now());
  return EN_DAYS.indexOf(name);
}

/** Open 09:00–17:00 only on the weekday `ahead` days from today in Berlin: closed now, whatever the hour. */
function openOnlyIn(ahead: number, extra: Partial<WidgetSettingsDto> = {}): WidgetSettingsDto {
  const day = (todayInZone() + ahead) % 7;
  return {
    ...DEFAULT_WIDGET_SETTINGS,
    hoursEnabled: true,
    timezone: ZONE,
    week: DEFAULT_WIDGET_SETTINGS.week.map((_, d) => (d === day ? [{ from: '09:00', to: '17:00' }] : [])),
    ...extra,
  };
}

describe('the visitor widget: away, rating, transcript', () => {
  let app: TestApp;
  let browser: Browser;
  let admin: OperatorClient;
  let site: { url: string; close(): Promise<void> } | undefined;
  let siteUrl = '';
  const sockets = socketTracker();

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    // The shop lives on another origin, as a customer's site does; `/en` and `/ru` are its two languages.
    site = await startHostPage(() => app.url);
    siteUrl = site.url;
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public'), env: { ALLOWED_ORIGINS: siteUrl } });
    admin = await signedInOperator(app.url, sockets);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    sockets.closeAll();
    await browser?.close();
    await app?.close();
    await site?.close();
  });

  /** The shop's page in `lang`, in a fresh browser profile in Berlin time. */
  async function shop(lang: Lang, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height: 800 }, timezoneId: ZONE, locale: lang });
    const page = await context.newPage();
    await page.goto(`${siteUrl}/${lang}`);
    return { context, page };
  }

  const saveSettings = (settings: WidgetSettingsDto) => ok(admin, OperatorEvent.widgetSettingsSave, settings);

  test('outside the hours the widget says when the team is back, in the visitor’s language and the team’s zone, with the admin’s texts and the offline form; it opens live', async () => {
    const ahead = 3;
    await saveSettings(
      openOnlyIn(ahead, {
        greeting: { en: 'Welcome to the shop!', ru: 'Добро пожаловать в магазин!' },
        away: { en: 'Our team answers on weekdays.', ru: 'Мы отвечаем по будням.' },
      }),
    );
    const day = (todayInZone() + ahead) % 7;

    const { context, page } = await shop('en');
    await page.getByRole('button', { name: 'Open chat' }).click();
    const panel = page.getByRole('dialog', { name: 'Chat with us' });
    await panel.getByText(`We're back ${EN_DAYS[day]} at 9:00.`).waitFor();
    await panel.getByText('We are away right now').waitFor();
    await panel.getByText('Our team answers on weekdays.').waitFor();
    await panel.getByText('Welcome to the shop!').waitFor();
    expect(await panel.getByText('Hi! How can we help?').count()).toBe(0);
    // The offline form: an e-mail for the reply, and the composer still takes the message.
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'away-en-desktop.png') });
    await panel.getByLabel('Your e-mail').fill('night.owl@example.test');
    await panel.getByRole('button', { name: 'Save e-mail' }).click();
    await panel.getByText('Thank you! We will reply to').waitFor();
    await panel.getByRole('textbox', { name: 'Message' }).fill('Do you ship to Norway?');
    await panel.getByRole('button', { name: 'Send' }).click();
    await panel.getByText('Do you ship to Norway?').waitFor();
    await expect.poll(() => app.db.prepare(`SELECT count(*) FROM visitors WHERE email = 'night.owl@example.test'`).pluck().get()).toBe(1);

    // The admin switches the hours off: open now, and the connected widget hears it at once.
    await saveSettings({ ...openOnlyIn(ahead), hoursEnabled: false });
    await panel.getByText('We are online').waitFor();
    expect(await panel.getByText(/We're back/).count()).toBe(0);
    await context.close();
  });

  test('in Russian at 390 px: the back line declines the weekday, and "tomorrow" is said so', async () => {
    await saveSettings(openOnlyIn(1));
    const { context, page } = await shop('ru', 390);
    await page.getByRole('button', { name: 'Открыть чат' }).click();
    const panel = page.getByRole('dialog', { name: 'Напишите нам' });
    await panel.getByText('Вернёмся завтра в 9:00.').waitFor();
    await panel.getByText('Оставьте сообщение и почту — мы ответим туда.').waitFor();
    await panel.getByLabel('Ваша почта').waitFor();
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'away-ru-390.png') });

    await saveSettings(openOnlyIn(4));
    await panel.getByText(`Вернёмся ${RU_DAYS[(todayInZone() + 4) % 7]} в 9:00.`).waitFor();
    await context.close();
  });

  test('with hideOutsideHours a new visitor gets no bubble outside the hours; one with a conversation still does; the page can still open the chat', async () => {
    await saveSettings(openOnlyIn(2, { hideOutsideHours: true }));
    const { context, page } = await shop('en');
    const host = page.locator('cw-chat-widget');
    await page.locator('cw-chat-widget[hidden="hours"]').waitFor({ state: 'attached' });
    expect(await host.isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Open chat' }).count()).toBe(0);

    // The site's own "contact us" button still opens it, and the visitor starts a conversation.
    await page.evaluate(() => window.chatWidget?.open());
    const panel = page.getByRole('dialog', { name: 'Chat with us' });
    await panel.getByRole('textbox', { name: 'Message' }).fill('Hello after hours');
    await panel.getByRole('button', { name: 'Send' }).click();
    await panel.getByText('Hello after hours').waitFor();
    await page.waitForFunction(() => localStorage.getItem('cw:token') !== null);

    // Back later with that conversation: the bubble is there, without asking.
    const asked: string[] = [];
    page.on('request', (request) => asked.push(request.url()));
    await page.reload();
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    expect(await page.locator('cw-chat-widget[hidden]').count()).toBe(0);
    expect(asked.filter((url) => url.includes('widget-status.json'))).toEqual([]);
    await context.close();

    // A new visitor still on the page when the team is back gets the bubble then, by itself (the page's
    // clock moved on to that time; the server's answer says when it is).
    const { backAt } = (await (await fetch(`${app.url}/widget-status.json`)).json()) as { hidden: boolean; backAt: number };
    expect(backAt).toBeGreaterThan(Date.now());
    const waiting = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: ZONE, locale: 'en' });
    const waitingPage = await waiting.newPage();
    await waitingPage.clock.install();
    await waitingPage.goto(`${siteUrl}/en`);
    await waitingPage.locator('cw-chat-widget[hidden="hours"]').waitFor({ state: 'attached' });
    await waitingPage.clock.fastForward(backAt - Date.now() - 60_000);
    expect(await waitingPage.locator('cw-chat-widget[hidden="hours"]').count()).toBe(1);
    await waitingPage.clock.fastForward(61_000);
    await waitingPage.getByRole('button', { name: 'Open chat' }).waitFor();
    await waiting.close();

    // Open again by the hours: a new visitor sees the bubble.
    await saveSettings({ ...openOnlyIn(2), hoursEnabled: false });
    const fresh = await shop('en');
    await fresh.page.getByRole('button', { name: 'Open chat' }).waitFor();
    await fresh.context.close();
  });
});

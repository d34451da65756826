import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent } from '../../shared/protocol';
import type { Lang } from '../../shared/types';
import { DEFAULT_WIDGET_SETTINGS } from '../../shared/widget-settings';
import { launchBrowser } from '../helpers/browser';
import { startHostPage } from '../helpers/shop-site';
import { signedInOperator, socketTracker } from '../helpers/sockets';
import { ok, startTestApp, type OperatorClient, type TestApp } from '../helpers/test-app';

// After a resolve the visitor rates the conversation in the widget, once; and has the conversation mailed.

const OUTPUT_DIR = path.resolve('test-output');
const AXE = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is (shadow roots included). */
async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string }>> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string }> }> } }
    ).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

describe('the visitor widget: rating after resolve, transcript by e-mail', () => {
  let app: TestApp;
  let browser: Browser;
  let operator: OperatorClient;
  let site: { url: string; close(): Promise<void> } | undefined;
  let siteUrl = '';
  const sockets = socketTracker();

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    // The shop lives on another origin, as a customer's site does; `/en` and `/ru` are its two languages.
    site = await startHostPage(() => app.url);
    siteUrl = site.url;
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public'), env: { ALLOWED_ORIGINS: siteUrl } });
    operator = await signedInOperator(app.url, sockets);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    sockets.closeAll();
    await browser?.close();
    await app?.close();
    await site?.close();
  });

  /** A visitor on the shop's page in `lang` who opened the chat and wrote `text`; returns the conversation's id. */
  async function visitorWrote(
    lang: Lang,
    text: string,
    width = 1280,
  ): Promise<{ context: BrowserContext; page: Page; panel: Locator; id: string }> {
    const context = await browser.newContext({ viewport: { width, height: 800 }, locale: lang });
    const page = await context.newPage();
    await page.goto(`${siteUrl}/${lang}`);
    await page.getByRole('button', { name: lang === 'ru' ? 'Открыть чат' : 'Open chat' }).click();
    const panel = page.getByRole('dialog', { name: lang === 'ru' ? 'Напишите нам' : 'Chat with us' });
    await panel.getByRole('textbox', { name: lang === 'ru' ? 'Сообщение' : 'Message' }).fill(text);
    await panel.getByRole('button', { name: lang === 'ru' ? 'Отправить' : 'Send' }).click();
    await panel.getByText(text).waitFor();
    await panel
      .getByText(lang === 'ru' ? 'Отправлено' : 'Sent', { exact: false })
      .first()
      .waitFor();
    // The operator's inbox finds it by its last message.
    const find = async () =>
      (await ok(operator, OperatorEvent.conversationList, { view: 'open' })).conversations.find((c) => c.lastMessagePreview === text)?.id;
    await expect.poll(find).toBeTruthy();
    return { context, page, panel, id: (await find())! };
  }

  const today = () => new Date().toISOString().slice(0, 10);
  const report = async () => (await ok(operator, OperatorEvent.ratingReport, { from: today(), to: today() })).report;
  const storedRatings = () => app.db.prepare('SELECT count(*) FROM conversation_ratings').pluck().get() as number;

  test('thumbs: after the operator resolves, the visitor rates with a comment, is thanked, and is not asked again', async () => {
    await ok(operator, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, ratingScale: 'thumbs' });
    const { context, page, panel, id } = await visitorWrote('en', 'My parcel is late');
    await ok(operator, OperatorEvent.messageSend, { conversationId: id, clientId: 'reply-thumbs', text: 'It ships today.' });
    await panel.getByText('It ships today.', { exact: true }).waitFor();
    expect(await panel.getByText('How was this conversation?').count()).toBe(0);

    await ok(operator, OperatorEvent.conversationResolve, { conversationId: id });
    await panel.getByText('How was this conversation?').waitFor();
    await panel.getByRole('button', { name: 'Good' }).click();
    expect(await panel.getByRole('button', { name: 'Good' }).getAttribute('aria-pressed')).toBe('true');
    await panel.getByLabel('Comment (optional)').fill('Quick and kind');
    // Every button of the card has a name of its own.
    const names = await page
      .locator('cw-rating')
      .getByRole('button')
      .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? b.textContent?.trim()));
    expect(names).toEqual(['Good', 'Bad', 'Send rating']);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'rating-thumbs-en-desktop.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Send rating' }).click();
    await panel.getByText('Thank you for your rating!').waitFor();

    // Stored once, on the operator's report, with its comment.
    expect(storedRatings()).toBe(1);
    const { total, recent } = await report();
    expect(total.thumbs).toEqual([0, 1]);
    expect(recent[0]).toMatchObject({ conversationId: id, scale: 'thumbs', score: 1, comment: 'Quick and kind' });

    // Back later: the conversation is rated, the card is not shown again.
    await page.reload();
    await page.getByRole('button', { name: 'Open chat' }).click();
    await panel.getByText('It ships today.', { exact: true }).waitFor();
    await panel.getByText('We are online').waitFor();
    expect(await panel.getByText('How was this conversation?').count()).toBe(0);
    expect(storedRatings()).toBe(1);
    await context.close();
  });

  test('a tab opened after the resolve asks too (the hello carries the question); a second, different rating from another tab is refused and said so', async () => {
    await ok(operator, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, ratingScale: 'thumbs' });
    const before = storedRatings();
    const { context, panel, id } = await visitorWrote('en', 'Two tabs here');
    await ok(operator, OperatorEvent.conversationResolve, { conversationId: id });
    await panel.getByText('How was this conversation?').waitFor();

    const second = await context.newPage();
    await second.goto(`${siteUrl}/en`);
    await second.getByRole('button', { name: 'Open chat' }).click();
    const panel2 = second.getByRole('dialog', { name: 'Chat with us' });
    await panel2.getByText('How was this conversation?').waitFor();

    await panel.getByRole('button', { name: 'Good' }).click();
    await panel.getByRole('button', { name: 'Send rating' }).click();
    await panel.getByText('Thank you for your rating!').waitFor();
    await panel2.getByRole('button', { name: 'Bad' }).click();
    await panel2.getByRole('button', { name: 'Send rating' }).click();
    await panel2.getByText('This conversation has already been rated.').waitFor();
    expect(storedRatings()).toBe(before + 1);
    expect((await report()).recent.find((r) => r.conversationId === id)).toMatchObject({ score: 1 });
    await context.close();
  });

  test('stars, in Russian at 390 px: a reopen takes the card away, the next resolve asks again, four stars are stored', async () => {
    await ok(operator, OperatorEvent.widgetSettingsSave, { ...DEFAULT_WIDGET_SETTINGS, ratingScale: 'stars' });
    const before = storedRatings();
    const { context, page, panel, id } = await visitorWrote('ru', 'Где мой заказ?', 390);
    await ok(operator, OperatorEvent.conversationResolve, { conversationId: id });
    const question = panel.getByText('Как прошёл разговор?');
    await question.waitFor();
    expect(await panel.getByRole('button', { name: /^Оценка \d из 5$/ }).count()).toBe(5);

    await ok(operator, OperatorEvent.conversationReopen, { conversationId: id });
    await question.waitFor({ state: 'detached' });
    await ok(operator, OperatorEvent.conversationResolve, { conversationId: id });
    await question.waitFor();

    await panel.getByRole('button', { name: 'Оценка 4 из 5' }).click();
    expect(await panel.getByRole('button', { name: 'Оценка 4 из 5' }).getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'rating-stars-ru-390.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Отправить оценку' }).click();
    await panel.getByText('Спасибо за оценку!').waitFor();
    expect(storedRatings()).toBe(before + 1);
    expect((await report()).total.stars).toEqual([0, 0, 0, 1, 0]);
    await context.close();
  });

  test('"E-mail me this conversation": now to the address typed, and on resolve to one kept as the contact address', async () => {
    const { context, page, panel, id } = await visitorWrote('en', 'Please send me the sizes chart');
    await ok(operator, OperatorEvent.messageSend, { conversationId: id, clientId: 'reply-sizes', text: 'Sizes: S, M, L.' });
    await panel.getByText('Sizes: S, M, L.', { exact: true }).waitFor();

    const open = panel.getByRole('button', { name: 'E-mail me this conversation' });
    await open.click();
    const email = panel.getByLabel('Your e-mail');
    expect(await email.inputValue()).toBe('');
    await email.fill('reader@example.test');
    expect(await panel.getByRole('radio', { name: 'Now' }).isChecked()).toBe(true);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'transcript-en-desktop.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Send transcript' }).click();
    await panel.getByText('Sent. Check your inbox.').waitFor();
    const mail = await app.smtp.waitFor('reader@example.test');
    expect(mail.body).toContain('Please send me the sizes chart');
    expect(mail.body).toContain('Sizes: S, M, L.');
    await panel.getByRole('button', { name: 'Close', exact: true }).click();

    // On resolve: to an address that becomes the contact address (the form then offers it).
    await open.click();
    await panel.getByLabel('Your e-mail').fill('later@example.test');
    await panel.getByRole('radio', { name: 'When the conversation is resolved' }).check();
    await panel.getByRole('button', { name: 'Send transcript' }).click();
    await panel.getByText('We will e-mail it to you when the conversation is resolved.').waitFor();
    expect(app.smtp.mailsTo('later@example.test')).toEqual([]);
    await panel.getByRole('button', { name: 'Close', exact: true }).click();
    await open.click();
    expect(await panel.getByLabel('Your e-mail').inputValue()).toBe('later@example.test');

    await ok(operator, OperatorEvent.conversationResolve, { conversationId: id });
    const later = await app.smtp.waitFor('later@example.test');
    expect(later.body).toContain('Sizes: S, M, L.');
    await context.close();
  });

  test('the transcript form in Russian at 390 px mails the conversation', async () => {
    const { context, page, panel } = await visitorWrote('ru', 'Пришлите, пожалуйста, переписку', 390);
    const open = panel.getByRole('button', { name: 'Прислать мне эту переписку' });
    await open.click();
    await panel.getByLabel('Ваша почта').fill('chitatel@example.test');
    await panel.getByRole('radio', { name: 'Сейчас' }).check();
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'transcript-ru-390.png') });
    await panel.getByRole('button', { name: 'Прислать переписку' }).click();
    await panel.getByText('Отправлено. Проверьте почту.').waitFor();
    const mail = await app.smtp.waitFor('chitatel@example.test');
    expect(mail.body).toContain('Пришлите, пожалуйста, переписку');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'transcript-ru-390-sent.png') });
    await context.close();
  });
});

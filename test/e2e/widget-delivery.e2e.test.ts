import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApp, type App } from '../../server/app';
import { openDatabase } from '../../server/db/open';
import { OperatorEvent } from '../../shared/protocol';
import { startShopSite } from '../helpers/shop-site';
import { launchBrowser } from '../helpers/browser';
import { connected, ok, operatorClient, signIn, startTestApp, type TestApp } from '../helpers/test-app';

/** Widget UI state across outages, several tabs, and nobody online. */
describe('the widget keeps every message and every tab in step', () => {
  let app: TestApp;
  let restarted: App | null = null;
  let browser: Browser;
  let port = 0;
  let site: Awaited<ReturnType<typeof startShopSite>>;
  let siteUrl = '';

  beforeAll(async () => {
    // A site that serves the widget's files itself (as from a CDN) and points it at the chat server with
    // data-server: its pages still load while the chat server is down.
    const bundles = path.resolve('dist/test-public');
    let chatUrl = '';
    site = await startShopSite(bundles, () => chatUrl);
    siteUrl = site.url;
    app = await startTestApp({ bundleDir: bundles, env: { ALLOWED_ORIGINS: siteUrl } });
    chatUrl = app.url;
    port = Number(new URL(app.url).port);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (restarted) {
      // The first server is already closed; close the second, then let the helper tidy the rest.
      await restarted.close();
      app.app.close = async () => {};
    }
    await app?.close();
    await site?.close();
  });

  const openChat = async (page: Page, url = `${app.url}/`) => {
    await page.goto(url);
    await page.getByRole('button', { name: /^Open chat/ }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
  };
  const bubble = (page: Page, text: string) => page.getByRole('log').getByText(text, { exact: true }).locator('..');
  const stored = (text: string) => app.db.prepare('SELECT count(*) AS n FROM messages WHERE body = ?').pluck().get(text);

  test('nobody online: the panel says so and takes an e-mail for the reply, which operators see in the thread', async () => {
    const page = await (await browser.newContext()).newPage();
    await openChat(page);
    await page.getByText('We are away right now').first().waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('Please call me back about hosting');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await bubble(page, 'Please call me back about hosting').getByText('Sent').waitFor();
    await page.getByLabel('Your e-mail').fill('call.me@example.test');
    await page.getByRole('button', { name: 'Save e-mail' }).click();
    await page.getByText('Thank you! We will reply to').waitFor();
    await page.getByRole('log').getByText('E-mail for a reply: call.me@example.test').waitFor();
    expect(app.db.prepare('SELECT email FROM visitors WHERE email IS NOT NULL').pluck().all()).toEqual(['call.me@example.test']);

    // An operator comes online: the panel switches to online without a reload.
    const operator = operatorClient(app.url, await signIn(app.url));
    await connected(operator);
    await page.getByText('We are online').waitFor();
    expect(await page.getByLabel('Your e-mail').count()).toBe(0);
    operator.close();
    await page.getByText('We are away right now').first().waitFor();
    await page.context().close();
  });

  test('two tabs: a reply appears in both with a badge in both; reading it in one clears the badge in the other', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await openChat(first);
    await first.getByRole('textbox', { name: 'Message' }).fill('Two tabs question');
    await first.getByRole('textbox', { name: 'Message' }).press('Enter');
    await bubble(first, 'Two tabs question').getByText('Sent').waitFor();
    await first.getByRole('button', { name: 'Close chat' }).first().click();

    // The second tab of a returning visitor loads the chat at idle, without being opened.
    const second = await context.newPage();
    await second.goto(`${app.url}/`);
    await second.waitForFunction(() => !!document.querySelector('cw-chat-widget')?.shadowRoot?.querySelector('cw-chat-panel'));

    const operator = operatorClient(app.url, await signIn(app.url));
    await connected(operator);
    const conversation = (await ok(operator, OperatorEvent.conversationList, { view: 'open' })).conversations.find(
      (c) => c.lastMessagePreview === 'Two tabs question',
    )!;
    await ok(operator, OperatorEvent.messageSend, {
      conversationId: conversation.id,
      clientId: 'two-tabs-reply',
      text: 'Answer for both tabs',
    });
    await first.getByRole('button', { name: 'Open chat (1 unread)' }).waitFor();
    await second.getByRole('button', { name: 'Open chat (1 unread)' }).waitFor();

    await second.bringToFront();
    await second.getByRole('button', { name: 'Open chat (1 unread)' }).click();
    await second.getByRole('log').getByText('Answer for both tabs').waitFor();
    await second.getByRole('button', { name: 'Close chat' }).first().waitFor();
    await first.getByRole('button', { name: 'Open chat', exact: true }).waitFor();
    await first.getByRole('button', { name: 'Open chat', exact: true }).click();
    await first.getByRole('log').getByText('Answer for both tabs').waitFor();
    // A message sent in one tab shows in the other.
    await first.getByRole('textbox', { name: 'Message' }).fill('Sent from the first tab');
    await first.getByRole('textbox', { name: 'Message' }).press('Enter');
    await second.getByRole('log').getByText('Sent from the first tab').waitFor();
    operator.close();
    await context.close();
  });

  test('sent while the server is down: "Sending…", kept across a reload, then "Sent" once the server is back, stored once', async () => {
    const page = await (await browser.newContext()).newPage();
    await openChat(page, siteUrl);
    await page
      .getByText(/We are (online|away)/)
      .first()
      .waitFor();

    await app.app.close();
    await page.getByText('Reconnecting…').waitFor();
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Written during the outage');
    await composer.press('Enter');
    await bubble(page, 'Written during the outage').getByText('Sending…').waitFor();
    await page.getByText('Waiting for the connection').waitFor();

    // Reload while it is pending: it is still there, still sending.
    await page.reload();
    await page.getByRole('button', { name: /^Open chat/ }).click();
    await bubble(page, 'Written during the outage').getByText('Sending…').waitFor();

    restarted = await startApp({ config: app.config, db: openDatabase(app.config.databasePath), port, host: '127.0.0.1' });
    await bubble(page, 'Written during the outage').getByText('Sent').waitFor({ timeout: 30_000 });
    expect(stored('Written during the outage')).toBe(1);
    expect(await page.getByRole('log').getByText('Written during the outage', { exact: true }).count()).toBe(1);
    await page.context().close();
  });
});

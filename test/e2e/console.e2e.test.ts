import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');
const SECOND = { email: 'petra@example.test', name: 'Petra', password: 'second operator password' };
const viewport = { width: 1280, height: 800 };

/** Records every desktop notification the page constructs (observing the browser API, not replacing it). */
const RECORD_NOTIFICATIONS = () => {
  const Original = window.Notification;
  const seen: Array<{ title: string; body: string }> = [];
  (window as unknown as { __notifications: typeof seen }).__notifications = seen;
  window.Notification = class extends Original {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      seen.push({ title, body: options?.body ?? '' });
    }
  } as typeof Notification;
};

/** Puts the page in the state a background tab is in (the Page Visibility API reports it hidden). */
async function setBackground(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Sets the operator's status from the account menu and waits until the server has it. */
async function setStatus(page: Page, status: 'Online' | 'Away'): Promise<void> {
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitemradio', { name: status }).click();
  await page.getByRole('menuitemradio', { name: status, checked: true }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'hidden' });
}

/** How far the page is wider than the window (0: nothing overflows horizontally). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe('the operator console with two operators and a visitor', () => {
  let app: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let visitor: Page;
  let admin: Page;
  let petra: Page;

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    await app.app.services.team.create({ ...SECOND, role: 'operator' });
    browser = await launchBrowser();
    const context = async () => {
      const c = await browser.newContext({ viewport });
      contexts.push(c);
      return c;
    };
    const adminContext = await context();
    await adminContext.grantPermissions(['notifications'], { origin: app.url });
    await adminContext.addInitScript(RECORD_NOTIFICATIONS);
    admin = await adminContext.newPage();
    petra = await (await context()).newPage();
    visitor = await (await context()).newPage();
    await signInOperator(admin, app.url, ADMIN.email, ADMIN.password);
    await signInOperator(petra, app.url, SECOND.email, SECOND.password);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await app?.close();
  });

  test('a new conversation arrives live in both consoles and notifies a background tab with a desktop notification and a title count', async () => {
    await admin.getByText(/^No conversations yet\. When a visitor writes in the chat bubble/).waitFor();
    await setBackground(admin, true);

    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByText('We are online').waitFor();
    const composer = visitor.getByLabel('Message');
    await composer.fill('My invoice total looks doubled');
    await composer.press('Enter');

    for (const page of [admin, petra]) {
      await page
        .getByRole('button', { name: /^Conversation with Visitor/ })
        .getByText('My invoice total looks doubled')
        .waitFor();
    }
    // A wait under a minute is "just now", and quiet (only long waits are loud).
    const fresh = petra.getByRole('button', { name: /^Conversation with Visitor/ }).getByText('just now');
    await fresh.waitFor();
    expect(await fresh.getAttribute('class')).not.toMatch(/loud|warn/);
    await admin.waitForFunction(() => (window as unknown as { __notifications: unknown[] }).__notifications.length > 0);
    const notifications = await admin.evaluate(
      () => (window as unknown as { __notifications: Array<{ title: string; body: string }> }).__notifications,
    );
    expect(notifications[0].title).toMatch(/^New conversation: Visitor /);
    expect(notifications[0].body).toBe('My invoice total looks doubled');
    expect(await admin.title()).toBe('(1) Operator console');
    // Petra's tab is in the foreground: no interruption there.
    expect(await petra.title()).toBe('Operator console');

    await setBackground(admin, false);
    await admin.waitForFunction(() => document.title === 'Operator console');
    await admin.getByRole('button', { name: /^Unassigned: 1 conversations, 1 unread/ }).waitFor();
  });

  test('two operators claim at once: exactly one wins and the other is told; the winner transfers it to the other', async () => {
    for (const page of [admin, petra]) {
      await page.getByRole('button', { name: /^Conversation with Visitor/ }).click();
      await page.getByRole('log', { name: 'Messages' }).getByText('My invoice total looks doubled').waitFor();
      await page.keyboard.press('Escape'); // out of the composer, so the shortcut applies
    }
    await Promise.all([admin.keyboard.press('c'), petra.keyboard.press('c')]);
    const assigned = app.db.prepare('SELECT assigned_operator_id FROM conversations').pluck();
    await expect.poll(() => assigned.get()).not.toBeNull();
    const winnerIsAdmin = assigned.get() === 1;
    const [winner, loser] = winnerIsAdmin ? [admin, petra] : [petra, admin];
    await loser
      .getByRole('alert')
      .getByText(/already took this conversation/)
      .waitFor();
    expect(await winner.getByRole('alert').count()).toBe(0);

    const loserName = winnerIsAdmin ? 'Petra' : 'Admin';
    await winner.getByLabel('Transfer to').selectOption({ label: `${loserName} (online)` });
    await loser.getByRole('region', { name: 'Conversation', exact: true }).getByText(`Assigned to ${loserName}`).waitFor();
    await expect.poll(() => assigned.get()).toBe(winnerIsAdmin ? 2 : 1);
  });

  test('an internal note stays with the operators, a canned reply inserted with "/" reaches the visitor', async () => {
    const holder = (app.db.prepare('SELECT assigned_operator_id FROM conversations').pluck().get() as number) === 1 ? admin : petra;
    const other = holder === admin ? petra : admin;
    await app.app.services.canned.save({ shortcut: 'refund', text: 'Refunds reach your account within 5 working days.' });

    await holder.getByRole('button', { name: 'Internal note' }).click();
    const note = holder.getByLabel('Internal note (only operators see it)');
    await note.fill('Double charge confirmed in billing, ticket B-22');
    await note.press('Enter');
    await holder.getByRole('log', { name: 'Messages' }).getByText('Double charge confirmed in billing, ticket B-22').waitFor();
    await other.getByRole('log', { name: 'Messages' }).getByText('Double charge confirmed in billing, ticket B-22').waitFor();

    await holder.getByRole('button', { name: 'Reply', exact: true }).click();
    const reply = holder.getByLabel('Reply', { exact: true });
    await reply.pressSequentially('/ref');
    await holder.getByRole('option', { name: /\/refund/ }).waitFor();
    await reply.press('Enter');
    expect(await reply.inputValue()).toBe('Refunds reach your account within 5 working days.');
    await reply.press('Enter');

    const chat = visitor.getByRole('log', { name: 'Chat with us' });
    await chat.getByText('Refunds reach your account within 5 working days.').waitFor();
    // The reply was written after the note; it has arrived, so the note would have too.
    expect(await visitor.content()).not.toContain('ticket B-22');
    await visitor.reload();
    // A returning visitor's panel may reopen by itself; open it if it did not.
    const launcher = visitor.getByRole('button', { name: 'Open chat' });
    const history = visitor.getByRole('log', { name: 'Chat with us' }).getByText('Refunds reach your account within 5 working days.');
    await launcher.or(history).first().waitFor();
    if (await launcher.isVisible()) await launcher.click();
    await history.waitFor();
    expect(await visitor.content()).not.toContain('ticket B-22');

    await holder.screenshot({ path: path.join(OUTPUT_DIR, 'console-conversation.png') });
  });

  test('search finds a conversation by a word from its messages', async () => {
    await admin.getByLabel('Search conversations').fill('doubl');
    await admin.getByLabel('Search conversations').press('Enter');
    const results = admin.getByRole('region', { name: 'Search results' });
    await results.getByText('1 match').waitFor();
    expect(await results.locator('mark').first().textContent()).toBe('doubled');
    await results.getByRole('button', { name: /^Match in conversation with Visitor/ }).click();
    await admin.getByRole('log', { name: 'Messages' }).getByText('My invoice total looks doubled').waitFor();
    await admin.getByRole('button', { name: 'Back to the inbox' }).click();
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'console-inbox.png') });
  });

  test('when every operator is away the widget shows its offline mode, and comes back online with them', async () => {
    const online = visitor.getByText('We are online');
    await online.waitFor();
    await setStatus(admin, 'Away');
    await setStatus(petra, 'Away');
    await online.waitFor({ state: 'hidden' });
    await setStatus(petra, 'Online');
    await online.waitFor();
  });

  test('every page has its own address: a reload stays on it, back and forward move between pages', async () => {
    const nav = admin.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: /^Inbox( \d+ unread)?$/ }).click();
    await admin.getByRole('button', { name: /^Conversation with Visitor/ }).click();
    await admin.waitForURL(/\/console\/inbox\/[^/]+$/);
    const conversationUrl = admin.url();
    await nav.getByRole('link', { name: 'Dev outbox' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Dev outbox' }).waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/admin/outbox');
    // The toolbar sits beside the heading, not inside it.
    expect(await admin.getByRole('heading', { level: 1, name: 'Dev outbox' }).getByRole('button').count()).toBe(0);
    await admin.getByRole('button', { name: 'Refresh' }).waitFor();
    await nav.getByRole('link', { name: 'API keys' }).click();
    await admin.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();

    await admin.reload();
    await admin.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await admin.goBack();
    await admin.getByRole('heading', { level: 1, name: 'Dev outbox' }).waitFor();
    await admin.goBack();
    await admin.getByRole('log', { name: 'Messages' }).getByText('My invoice total looks doubled').waitFor();
    expect(admin.url()).toBe(conversationUrl);
    await admin.goForward();
    await admin.getByRole('heading', { level: 1, name: 'Dev outbox' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Dev outbox' }).getAttribute('aria-current')).toBe('page');

    // A reload on a conversation's address opens that conversation.
    await admin.goto(conversationUrl);
    await admin.getByRole('log', { name: 'Messages' }).getByText('My invoice total looks doubled').waitFor();
    // An operator who is not an admin has no admin pages.
    expect(await petra.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Dev outbox' }).count()).toBe(0);
    await petra.goto(`${app.url}/console/admin/outbox`);
    await petra.getByText('Only admins can open this page.').waitFor();
    await petra.goto(`${app.url}/console/inbox`);
    await petra.getByRole('status').getByText('Connected', { exact: true }).waitFor();
  });

  test('at 1280×720 nothing wraps and the console fills the window; at 390 px nothing overflows and the navigation is a menu', async () => {
    await admin.setViewportSize({ width: 1280, height: 720 });
    try {
      await admin.goto(`${app.url}/console/inbox`);
      const header = admin.locator('cw-console header');
      await admin.getByRole('status').getByText('Connected', { exact: true }).waitFor();
      const bar = (await header.boundingBox())!;
      expect(bar.height).toBeLessThanOrEqual(56);
      for (const part of [
        admin.getByRole('link', { name: 'Operator console' }),
        admin.getByRole('status').getByText('Connected'),
        admin.getByRole('button', { name: 'Account menu' }),
      ]) {
        const box = (await part.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(bar.y + bar.height);
      }
      const app_ = (await admin.locator('cw-console').boundingBox())!;
      expect(app_.height).toBe(720);
      const nav = (await admin.getByRole('navigation', { name: 'Console' }).boundingBox())!;
      expect(nav.y + nav.height).toBe(720);
      expect(await overflow(admin)).toBe(0);

      await admin.setViewportSize({ width: 390, height: 844 });
      for (const path of [
        '/console/inbox',
        '/console/privacy',
        '/console/privacy/new',
        '/console/admin/operators',
        '/console/admin/webhooks',
        '/console/admin/outbox',
      ]) {
        await admin.goto(`${app.url}${path}`);
        await admin.getByRole('status').first().waitFor();
        await admin
          .getByRole('heading', { level: 1 })
          .or(admin.getByRole('region', { name: 'Conversations' }))
          .first()
          .waitFor();
        expect(await overflow(admin), path).toBe(0);
      }
      const links = admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: /^Inbox( \d+ unread)?$/ });
      expect(await links.isVisible()).toBe(false);
      await admin.getByRole('button', { name: 'Navigation' }).click();
      await links.click();
      await admin.getByRole('region', { name: 'Conversations' }).waitFor();
      await admin.getByRole('button', { name: /^Conversation with Visitor/ }).click();
      await admin.getByRole('log', { name: 'Messages' }).getByText('My invoice total looks doubled').waitFor();
      expect(await overflow(admin)).toBe(0);
      await admin.screenshot({ path: path.join(OUTPUT_DIR, 'console-conversation-390.png') });
    } finally {
      await admin.setViewportSize(viewport);
      await admin.goto(`${app.url}/console/inbox`);
      await admin.getByRole('status').getByText('Connected', { exact: true }).waitFor();
    }
  });

  test('the ? key opens an accessible list of keyboard shortcuts', async () => {
    await admin.locator('body').click({ position: { x: 5, y: 780 } });
    await admin.keyboard.press('?');
    const dialog = admin.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    await dialog.getByText('Next / previous conversation').waitFor();
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });
});

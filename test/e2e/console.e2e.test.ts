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
    await admin.getByText('No conversations here.').waitFor();
    await setBackground(admin, true);

    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByText('We are online').waitFor();
    const composer = visitor.getByLabel('Message');
    await composer.fill('My invoice total looks doubled');
    await composer.press('Enter');

    for (const page of [admin, petra]) {
      await page.getByRole('button', { name: /^Conversation with Visitor/ }).getByText('My invoice total looks doubled').waitFor();
    }
    await admin.waitForFunction(() => (window as unknown as { __notifications: unknown[] }).__notifications.length > 0);
    const notifications = await admin.evaluate(() => (window as unknown as { __notifications: Array<{ title: string; body: string }> }).__notifications);
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
    await loser.getByRole('alert').getByText(/already took this conversation/).waitFor();
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
    await admin.getByLabel('My status').selectOption('away');
    await petra.getByLabel('My status').selectOption('away');
    await online.waitFor({ state: 'hidden' });
    await petra.getByLabel('My status').selectOption('online');
    await online.waitFor();
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

import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { codeIn } from '../helpers/smtp';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');

/** Opens the widget on the demo page and sends one message; resolves once it shows as sent. */
async function chat(page: Page, url: string, text: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const composer = page.getByLabel('Message');
  await composer.fill(text);
  await composer.press('Enter');
  await page.getByRole('log', { name: 'Chat with us' }).getByText(text).locator('..').getByText('Sent', { exact: false }).waitFor();
}

describe('erasure request from the chat', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a verified erasure request, completed by an operator, erases that visitor and no one else, and the widget shows it live', async () => {
    const viewport = { width: 1280, height: 800 };
    const operator = await (await browser.newContext({ viewport })).newPage();
    const visitor = await (await browser.newContext({ viewport })).newPage();
    const bystander = await (await browser.newContext({ viewport })).newPage();
    await signInOperator(operator, app.url, ADMIN.email, ADMIN.password);

    const bystanderText = 'Do you sell gift cards?';
    const visitorText = 'What does the business plan cost?';
    await chat(bystander, app.url, bystanderText);
    await chat(visitor, app.url, visitorText);

    const conversationOf = (text: string) =>
      app.db
        .prepare(
          'SELECT c.id AS conversationId, c.visitor_id AS visitorId FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.body = ?',
        )
        .get(text) as { conversationId: number; visitorId: number };
    // A second console has the requester's conversation open when the erasure completes elsewhere.
    const watcher = await (await browser.newContext({ viewport })).newPage();
    await signInOperator(watcher, app.url, ADMIN.email, ADMIN.password);
    const subjectRow = watcher.getByRole('button', { name: /^Conversation with/ }).filter({ hasText: visitorText });
    await subjectRow.click();
    await watcher.getByRole('log').getByText(visitorText).waitFor();

    const count = (sql: string, ...params: unknown[]) => (app.db.prepare(sql).get(...params) as { n: number }).n;
    const subject = conversationOf(visitorText);
    const other = conversationOf(bystanderText);
    expect(subject.visitorId).not.toBe(other.visitorId);

    // Intake: structured steps in the widget.
    await visitor.getByRole('button', { name: 'Privacy & my data' }).click();
    await visitor.getByRole('button', { name: 'Delete my data' }).click();
    const email = 'jane.doe@example.test';
    await visitor.getByLabel('E-mail the data is held under').fill(email);
    await visitor.getByRole('button', { name: 'Send me a code' }).click();
    const mail = await app.smtp.waitFor(email);
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{6}$/);
    await visitor.getByLabel('Verification code').fill(code);
    await visitor.getByRole('button', { name: 'Confirm' }).click();

    const filed = visitor.getByRole('group', { name: /^Reference PR-\d{4}-\d{6}$/ });
    await filed.waitFor();
    const reference = (await filed.getByText(/^PR-\d{4}-\d{6}$/).textContent())!.trim();
    await filed.getByText('Received', { exact: true }).waitFor();
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'widget-privacy-received-desktop.png') });

    // The operator works the ticket in the console.
    await operator.getByRole('link', { name: /^Privacy requests/ }).click();
    await operator.getByRole('link', { name: reference }).click();
    await operator.getByRole('heading', { name: new RegExp(`^${reference}`) }).waitFor();
    await operator.getByRole('button', { name: 'Start work' }).click();
    await operator.getByRole('button', { name: 'Complete: erase the data' }).click();
    // Nothing is erased before the operator confirms, in a dialog that names what will go, with counts.
    const confirm = operator.getByRole('dialog', { name: `Erase the data of ${reference}?` });
    await confirm.getByText('1 conversation with 1 message').waitFor();
    await confirm.getByText(/^1 visitor record/).waitFor();
    expect(count('SELECT count(*) AS n FROM messages WHERE body = ?', visitorText)).toBe(1);
    await operator.screenshot({ path: path.join(OUTPUT_DIR, 'console-erase-confirmation.png') });
    await confirm.getByRole('button', { name: 'Erase the data' }).click();
    await operator.getByText(`${reference} is now completed.`).waitFor();
    // The history reads as sentences.
    const history = operator.getByRole('list', { name: 'History' });
    await history.getByText('Verified by the requester (e-mail code)').waitFor();
    await history.getByText(/^Completed by /).waitFor();
    expect(await history.textContent()).not.toContain('{');

    // The visitor's widget follows the ticket live.
    await filed.getByText('Completed', { exact: true }).waitFor();
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'widget-privacy-completed-desktop.png') });

    // Every open screen drops the erased chat at once, without a reload: the watching console's list and
    // open conversation, and the requester's own panel, which says why its history is gone.
    await watcher.getByRole('status').getByText('This conversation was erased').waitFor();
    expect(await subjectRow.count()).toBe(0);
    expect(await watcher.getByText(visitorText).count()).toBe(0);
    await watcher
      .getByRole('button', { name: /^Conversation with/ })
      .filter({ hasText: bystanderText })
      .waitFor();
    await visitor.getByRole('button', { name: 'Back to chat' }).click();
    await visitor.getByText('Your chat history was deleted at your request.').waitFor();
    expect(await visitor.getByText(visitorText).count()).toBe(0);
    await watcher.context().close();

    expect(count('SELECT count(*) AS n FROM messages WHERE conversation_id = ?', subject.conversationId)).toBe(0);
    expect(count('SELECT count(*) AS n FROM messages WHERE body = ?', visitorText)).toBe(0);
    expect(count('SELECT count(*) AS n FROM conversations WHERE id = ?', subject.conversationId)).toBe(0);
    expect(count('SELECT count(*) AS n FROM visitors WHERE id = ?', subject.visitorId)).toBe(0);
    const request = app.db
      .prepare('SELECT state, email, result_json AS result FROM privacy_requests WHERE reference = ?')
      .get(reference) as {
      state: string;
      email: string | null;
      result: string;
    };
    expect(request.state).toBe('completed');
    expect(request.email).toBeNull();
    expect(JSON.parse(request.result)).toMatchObject({ visitors: 1, conversations: 1, messages: 1 });

    // The other visitor is untouched.
    expect(count('SELECT count(*) AS n FROM visitors WHERE id = ?', other.visitorId)).toBe(1);
    expect(count('SELECT count(*) AS n FROM conversations WHERE id = ?', other.conversationId)).toBe(1);
    expect(app.db.prepare('SELECT body FROM messages WHERE conversation_id = ?').all(other.conversationId)).toEqual([
      { body: bystanderText },
    ]);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { iconButtonProblems, launchBrowser, signInOperator } from '../helpers/browser';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');
const CONSENT = 'We use your answers and messages only to help you. You can withdraw this consent at any time.';

describe('pre-chat form in the browser', () => {
  let app: TestApp;
  let browser: Browser;
  const viewport = { width: 1280, height: 860 };

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('an admin builds the form in the console, a visitor answers it (errors first) and chats, the operator sees answers and consent', async () => {
    // ---- The admin builds the form on its page.
    const admin = await (await browser.newContext({ viewport })).newPage();
    await signInOperator(admin, app.url, ADMIN.email, ADMIN.password);
    await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Pre-chat form' }).click();
    await admin.getByRole('heading', { name: 'Pre-chat form', level: 1 }).waitFor();
    await admin.getByLabel('Ask visitors to fill in the form before they chat').check();
    const add = admin.getByLabel('Add a field');
    const addButton = admin.getByRole('button', { name: 'Add field' });
    await add.selectOption('name');
    await addButton.click();
    await add.selectOption('email');
    await addButton.click();
    await add.selectOption('choice');
    await addButton.click();
    await admin.getByLabel('Label (EN)').nth(2).fill('What is it about?');
    await admin.getByLabel('Label (RU)').nth(2).fill('О чём вопрос?');
    await admin.getByLabel('Option 1 (EN)').fill('An order');
    await admin.getByLabel('Option 1 (RU)').fill('Заказ');
    await admin.getByRole('button', { name: 'Add option' }).click();
    await admin.getByLabel('Option 2 (EN)').fill('A return');
    await admin.getByLabel('Option 2 (RU)').fill('Возврат');
    await admin.getByRole('checkbox', { name: 'Required' }).nth(2).check();
    // The choice goes first: reordering is part of the page.
    await admin.getByRole('button', { name: 'Move What is it about? up' }).click();
    await admin.getByRole('button', { name: 'Move What is it about? up' }).click();
    await admin.getByLabel('Visitors must accept the consent text to start').check();
    await admin.getByLabel('Consent text (EN)').fill(CONSENT);
    await admin.getByRole('button', { name: 'Save the form' }).click();
    await admin.getByRole('status').getByText('Form saved.').waitFor();
    await admin.getByText(/In force: v1 \(EN\) since/).waitFor();
    expect(await iconButtonProblems(admin)).toEqual([]);
    // The console scrolls inside its shell: a tall window shows the whole page at once.
    await admin.setViewportSize({ width: 1280, height: 2000 });
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'prechat-admin.png') });
    await admin.setViewportSize(viewport);
    const stored = JSON.parse(app.db.prepare("SELECT value FROM settings WHERE key = 'prechat'").pluck().get() as string);
    expect(stored.fields.map((f: { key: string; required: boolean }) => [f.key, f.required])).toEqual([
      ['choice_1', true],
      ['name', true],
      ['email', true],
    ]);
    expect(stored.fields[0].options).toEqual([
      { en: 'An order', ru: 'Заказ' },
      { en: 'A return', ru: 'Возврат' },
    ]);

    // ---- A visitor is shown the form before the chat; sending it empty names what is missing.
    const visitor = await (await browser.newContext({ viewport })).newPage();
    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const name = visitor.getByLabel('Your name');
    await name.waitFor();
    expect(await visitor.getByLabel('Message').count()).toBe(0);
    await visitor.getByText(CONSENT).waitFor();
    await visitor.getByRole('button', { name: 'Start the chat' }).click();
    expect(await visitor.getByText('This field is required.').count()).toBe(3);
    await visitor.getByText('Please accept to start the chat.').waitFor();
    // The first field with an error has the focus.
    expect(await visitor.getByLabel('What is it about?').evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(
      true,
    );
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'prechat-form-errors-desktop.png') });

    await visitor.getByLabel('What is it about?').selectOption({ label: 'A return' });
    await name.fill('Alice Example');
    await visitor.getByLabel('E-mail').fill('alice@');
    await visitor.getByRole('button', { name: 'Start the chat' }).click();
    await visitor.getByText('Enter an e-mail address such as name@example.com.').waitFor();
    await visitor.getByLabel('E-mail').fill('alice@example.test');
    await visitor.getByLabel('I have read and accept this').check();
    expect(await visitor.getByText('This field is required.').count()).toBe(0);
    await visitor.getByRole('button', { name: 'Start the chat' }).click();

    const composer = visitor.getByLabel('Message');
    await composer.waitFor();
    const question = 'The parcel came damaged, I would like to return it.';
    await composer.fill(question);
    await composer.press('Enter');
    const chat = visitor.getByRole('log', { name: 'Chat with us' });
    await chat.getByText(question).locator('..').getByText('Sent', { exact: false }).waitFor();
    expect(app.db.prepare('SELECT name, email FROM visitors').all()).toEqual([{ name: 'Alice Example', email: 'alice@example.test' }]);

    // ---- The operator sees the answers and the consent in the conversation's visitor panel.
    await admin
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: /^Inbox( \d+ unread)?$/ })
      .click();
    const conversation = admin.getByRole('button', { name: /^Conversation with / });
    await conversation.getByText(question).waitFor();
    await conversation.click();
    const panel = admin.getByRole('complementary', { name: 'Visitor' });
    await panel.getByText('Pre-chat form').waitFor();
    await panel.getByText('Alice Example').waitFor();
    await panel.getByText('alice@example.test').waitFor();
    await panel.getByText('What is it about?').waitFor();
    await panel.getByText('A return').waitFor();
    await panel.getByText(/^Consent v1 \(EN\) accepted \d{1,2} [A-Z][a-z]{2},? \d{2}:\d{2}$/).waitFor();
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'prechat-operator.png') });

    // ---- The form on a phone-sized screen (another visitor: the first has answered).
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(`${app.url}/`);
    await phone.getByRole('button', { name: 'Open chat' }).click();
    await phone.getByLabel('Your name').waitFor();
    const box = await phone.getByRole('button', { name: 'Start the chat' }).boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(OUTPUT_DIR, 'prechat-form-390.png') });

    // ---- The admin page on a phone-sized screen, opened at its own address.
    const small = await (await browser.newContext({ viewport })).newPage();
    await signInOperator(small, app.url, ADMIN.email, ADMIN.password);
    await small.setViewportSize({ width: 390, height: 2400 });
    await small.goto(`${app.url}/console/admin/prechat`);
    await small.getByLabel('Option 2 (RU)').waitFor();
    expect(await small.getByLabel('Option 2 (RU)').inputValue()).toBe('Возврат');
    await small.screenshot({ path: path.join(OUTPUT_DIR, 'prechat-admin-390.png') });
  });
});

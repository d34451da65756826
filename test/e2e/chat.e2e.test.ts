import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');

describe('chat in the browser', () => {
  let app: TestApp;
  let browser: Browser;
  const viewport = { width: 1280, height: 800 };

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('on a first visit the widget paints the bubble bottom-right and opens no connection and writes no storage until opened', async () => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    // Socket.IO tries a WebSocket first, which is not a `request` event: watch both.
    const traffic: string[] = [];
    page.on('request', (request) => traffic.push(request.url()));
    page.on('websocket', (socket) => traffic.push(socket.url()));
    const toServer = (part: string) => traffic.filter((url) => url.includes(part));

    await page.goto(`${app.url}/`);
    const launcher = page.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    await page.waitForLoadState('networkidle');

    const box = await launcher.boundingBox();
    expect(box).not.toBeNull();
    const fromRight = viewport.width - (box!.x + box!.width);
    const fromBottom = viewport.height - (box!.y + box!.height);
    expect(fromRight).toBeGreaterThanOrEqual(0);
    expect(fromRight).toBeLessThan(40);
    expect(fromBottom).toBeGreaterThanOrEqual(0);
    expect(fromBottom).toBeLessThan(40);

    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(toServer('/socket.io')).toEqual([]);
    expect(toServer('widget-panel.en.js')).toEqual([]);

    // Opening is what starts it all; this also shows the watch above would have seen a connection.
    await launcher.click();
    await page.getByLabel('Message').waitFor();
    await page.waitForFunction(() => localStorage.getItem('cw:token') !== null);
    expect(toServer('widget-panel.en.js')).toHaveLength(1);
    expect(toServer('/socket.io').length).toBeGreaterThan(0);
    await context.close();
  });

  test('a visitor message reaches a signed-in operator live, the reply reaches the visitor live, and history survives a reload', async () => {
    const visitor = await (await browser.newContext({ viewport })).newPage();
    const operator = await (await browser.newContext({ viewport })).newPage();

    // The operator is in the console before the visitor writes, so the conversation must arrive live.
    await signInOperator(operator, app.url, ADMIN.email, ADMIN.password);
    await operator.getByText(/^No conversations yet\./).waitFor();
    // Opening a conversation changes the address (History API, same document) but never loads a page.
    let operatorNavigations = 0;
    operator.on('load', () => operatorNavigations++);

    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const chat = visitor.getByRole('log', { name: 'Chat with us' });
    await chat.waitFor();
    await visitor.getByText('We are online').waitFor();
    const question = 'Hello, do you host online shops?';
    const composer = visitor.getByLabel('Message');
    await composer.fill(question);
    await composer.press('Enter');

    const sent = chat.getByText(question);
    await sent.locator('..').getByText('Sent', { exact: false }).waitFor();
    expect(await composer.inputValue()).toBe('');
    const stored = app.db.prepare("SELECT author, body FROM messages WHERE author = 'visitor'").all();
    expect(stored).toEqual([{ author: 'visitor', body: question }]);
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'widget-open-desktop.png') });

    // Live arrival: no reload on the operator's side.
    const conversation = operator.getByRole('button', { name: /^Conversation with / });
    await conversation.getByText(question).waitFor();
    await conversation.click();
    const thread = operator.getByRole('log', { name: 'Messages' });
    await thread.getByText(question).waitFor();
    expect(operatorNavigations).toBe(0);
    expect(new URL(operator.url()).pathname).toMatch(/^\/console\/inbox\/[^/]+$/);

    const answer = 'Yes — shops with catalogue, cart and checkout.';
    const reply = operator.getByLabel('Reply');
    await reply.fill(answer);
    await reply.press('Enter');
    await thread.getByText(answer).waitFor();

    await chat.getByText(answer).waitFor();
    expect(app.db.prepare("SELECT body FROM messages WHERE author = 'operator'").all()).toEqual([{ body: answer }]);
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'widget-reply-desktop.png') });

    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const history = visitor.getByRole('log', { name: 'Chat with us' });
    await history.getByText(question).waitFor();
    await history.getByText(answer).waitFor();
    const order = await history.evaluate((log, texts) => texts.map((text) => (log.textContent ?? '').indexOf(text)), [question, answer]);
    expect(order[0]).toBeGreaterThanOrEqual(0);
    expect(order[1]).toBeGreaterThan(order[0]);
  });
});

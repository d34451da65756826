import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { waitFor } from '../helpers/durable-clients';
import { TcpProxy } from '../helpers/tcp-proxy';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** Socket.IO's requests (polling and the WebSocket upgrade) start like this; pages and scripts do not. */
const isSocketIo = (head: string) => head.startsWith('GET /socket.io/') || head.startsWith('POST /socket.io/');

describe('a page reloaded with a message unacknowledged', () => {
  let app: TestApp;
  let proxy: TcpProxy;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    proxy = await new TcpProxy(Number(new URL(app.url).port)).start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await app?.close();
  });

  test('messages whose answer was lost, or that never left, arrive exactly once after the reload, in the order written', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const bodies = () => app.db.prepare(`SELECT body FROM messages ORDER BY seq`).pluck().all() as string[];
    const pending = () => page.evaluate(() => localStorage.getItem('cw:pending') ?? '');

    await page.goto(`${proxy.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const chat = page.getByRole('log', { name: 'Chat with us' });
    const composer = page.getByLabel('Message');
    await composer.fill('first, delivered normally');
    await composer.press('Enter');
    await chat.getByText('first, delivered normally').locator('..').getByText('Sent', { exact: false }).waitFor();

    // The link dies right after the next message left: the server stores it, the answer never comes back.
    proxy.muteAnswers();
    await composer.fill('second, answer lost');
    await composer.press('Enter');
    await waitFor(() => bodies().includes('second, answer lost'), 'the server to store the second message');
    expect(await pending()).toContain('second, answer lost');

    // Then the server becomes unreachable for the chat; the third message cannot leave at all.
    proxy.cut(isSocketIo);
    await composer.fill('third, never left');
    await composer.press('Enter');
    await page.waitForFunction(() => (localStorage.getItem('cw:pending') ?? '').includes('third, never left'));

    // Reload while both wait for an answer. The page itself still loads; the chat cannot connect.
    await page.reload();
    // The widget reopens itself when it was open; otherwise open it.
    const open = page.getByRole('button', { name: 'Open chat' });
    await chat.or(open).first().waitFor();
    if (await open.isVisible()) await open.click();
    await chat.waitFor();
    expect(await pending()).toContain('second, answer lost');
    expect(await pending()).toContain('third, never left');
    expect(bodies()).toEqual(['first, delivered normally', 'second, answer lost']);

    proxy.restore();
    await page.waitForFunction(() => localStorage.getItem('cw:pending') === null, undefined, { timeout: 30_000 });
    expect(bodies()).toEqual(['first, delivered normally', 'second, answer lost', 'third, never left']);
    // And the visitor sees each once.
    const log = page.getByRole('log', { name: 'Chat with us' });
    await log.getByText('third, never left').locator('..').getByText('Sent', { exact: false }).waitFor();
    for (const text of ['first, delivered normally', 'second, answer lost', 'third, never left'])
      expect(await log.getByText(text).count()).toBe(1);
    await context.close();
  });
});

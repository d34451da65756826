import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent, OperatorPush, type OperatorMessagePush } from '../../shared/protocol';
import { launchBrowser } from '../helpers/browser';
import { connected, next, ok, operatorClient, signIn, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * The README's promise to a host site with a strict Content-Security-Policy: allowing the chat server in
 * script-src and connect-src (http(s) and ws(s)) is all the widget needs — no 'unsafe-inline', no
 * 'unsafe-eval', no style-src, img-src or font-src entry.
 */
describe('the widget on a host page with a strict CSP', () => {
  let app: TestApp;
  let host: http.Server;
  let hostUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    host = http.createServer((_req, res) => {
      const chat = app.url;
      const ws = chat.replace(/^http/, 'ws');
      res.setHeader(
        'content-security-policy',
        `default-src 'self'; script-src 'self' ${chat}; connect-src 'self' ${chat} ${ws}; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'`,
      );
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict shop</title></head><body><h1>Strict shop</h1><script src="${chat}/widget.js" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public'), env: { ALLOWED_ORIGINS: hostUrl } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => host?.close(resolve));
  });

  test('loads, styles itself, connects, chats both ways and opens the privacy view without a single CSP violation', async () => {
    const operator = operatorClient(app.url, await signIn(app.url));
    await connected(operator);
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __csp: string[] }).__csp = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`));
    });
    await page.goto(`${hostUrl}/`);
    const launcher = page.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    // Styled: the bubble sits in the bottom-right corner, which only its stylesheet does.
    const box = (await launcher.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(viewport.width - (box.x + box.width)).toBeLessThan(40);
    expect(viewport.height - (box.y + box.height)).toBeLessThan(40);

    await launcher.click();
    const composer = page.getByLabel('Message');
    const arrived = next<OperatorMessagePush[]>(operator, OperatorPush.messages);
    await composer.fill('Hello from a strict page');
    await composer.press('Enter');
    const [{ message }] = await arrived;
    expect(message.text).toBe('Hello from a strict page');
    await ok(operator, OperatorEvent.messageSend, {
      conversationId: message.conversationId,
      clientId: 'strict-csp-reply-1',
      text: 'Hello back',
    });
    await page.getByRole('log', { name: 'Chat with us' }).getByText('Hello back').waitFor();
    // The privacy-request view too.
    await page.getByRole('button', { name: 'Privacy & my data' }).click();
    await page.getByText('What would you like us to do with your data?').waitFor();

    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    operator.close();
    await page.close();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AttachmentDto } from '../../shared/attachments';
import { OperatorEvent, OperatorPush, type OperatorMessagePush } from '../../shared/protocol';
import { png } from '../helpers/files';
import { launchBrowser } from '../helpers/browser';
import { connected, next, ok, operatorClient, signIn, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * The README's promise to a host site with a strict Content-Security-Policy: allowing the chat server in
 * script-src and connect-src (http(s) and ws(s)) is all the widget needs — no 'unsafe-inline', no
 * 'unsafe-eval', no style-src, img-src or font-src entry. Thumbnails of attached images are the one
 * exception: they load from the chat server, so a host that wants them adds it to img-src; without it,
 * an image shows as a named link to the file.
 */
describe('the widget on a host page with a strict CSP', () => {
  let app: TestApp;
  let host: http.Server;
  let hostUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    host = http.createServer((req, res) => {
      const chat = app.url;
      const ws = chat.replace(/^http/, 'ws');
      // `/images`: the same policy with the chat server allowed in img-src, for attached images' thumbnails.
      const img = req.url === '/images' ? `'self' ${chat}` : `'self'`;
      res.setHeader(
        'content-security-policy',
        `default-src 'self'; script-src 'self' ${chat}; connect-src 'self' ${chat} ${ws}; style-src 'self'; img-src ${img}; object-src 'none'; base-uri 'none'`,
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

  test('an attached image is a thumbnail when the host allows the chat server in img-src, and a named link when it does not', async () => {
    const cookie = await signIn(app.url);
    const operator = operatorClient(app.url, cookie);
    await connected(operator);
    for (const [pagePath, thumbnail] of [
      ['/images', true],
      ['/', false],
    ] as const) {
      const page = await browser.newPage();
      await page.goto(`${hostUrl}${pagePath}`);
      await page.getByRole('button', { name: 'Open chat' }).click();
      const arrived = next<OperatorMessagePush[]>(operator, OperatorPush.messages);
      await page.getByLabel('Message').fill('Show me the label');
      await page.getByLabel('Message').press('Enter');
      const [{ message }] = await arrived;
      const clientId = `csp-image-${thumbnail ? 'on' : 'off'}`;
      const query = new URLSearchParams({ clientId, name: 'label.png', conversationId: message.conversationId });
      const res = await fetch(`${app.url}/api/attachments?${query}`, {
        method: 'POST',
        headers: { cookie },
        body: new Uint8Array(png(64, 48)),
      });
      const { data } = (await res.json()) as { data: { attachment: AttachmentDto } };
      await ok(operator, OperatorEvent.messageSend, { conversationId: message.conversationId, clientId, attachmentId: data.attachment.id });
      const log = page.getByRole('log', { name: 'Chat with us' });
      if (thumbnail) {
        const img = log.getByRole('button', { name: 'Open image: label.png' }).locator('img');
        await img.waitFor();
        await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(64);
      } else {
        // Blocked twice (a fresh link is tried once): the file is offered as a link instead of a broken image.
        await log.getByRole('link', { name: 'label.png' }).waitFor();
        expect(await log.getByRole('button', { name: 'Open image: label.png' }).count()).toBe(0);
      }
      await page.close();
    }
    operator.close();
  });
});

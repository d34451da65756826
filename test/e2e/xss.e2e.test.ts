import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { identitySignature } from '../../server/chat/visitor-service';
import { MESSAGE_BURST } from '../../server/chat/chat-service';
import { launchBrowser, signInOperator } from '../helpers/browser';
import {
  ADMIN,
  call,
  connected,
  ok,
  operatorClient,
  signIn,
  startTestApp,
  TestClock,
  visitorClient,
  type TestApp,
} from '../helpers/test-app';

/** Each payload, if it ever ran, would count itself in `window.__xss` and raise a dialog. */
const RUN = `window.__xss=(window.__xss||0)+1;alert(1)`;
const CORPUS = [
  `<script>${RUN}</script>`,
  `<img src=x onerror="${RUN}">`,
  `<svg onload="${RUN}"><circle r=5></circle></svg>`,
  `"><img src=x onerror="${RUN}">`,
  `' onmouseover='${RUN}' data-x='`,
  `</span><iframe src="javascript:${RUN}"></iframe>`,
  `<a href="javascript:${RUN}">click me</a>`,
  `javascript:${RUN}`,
  `data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==`,
  `<details open ontoggle="${RUN}">x</details>`,
  `<style>*{display:none!important}</style>`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, on purpose
  '${alert(1)} {{constructor.constructor("alert(1)")()}}',
];
const SAFE_LINK = 'https://example.com/docs';
const TITLE = `</title><img src=x onerror="${RUN}">`;
const NAME = `<img src=x onerror="${RUN}">`;

/** Every sign that markup was injected, across the document and every open shadow root. */
function injected(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        const tag = el.tagName.toLowerCase();
        for (const attr of Array.from(el.attributes)) {
          if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`);
          if (/__xss|javascript:|data:text\/html/i.test(attr.value)) found.push(`${tag}[${attr.name}=${attr.value.slice(0, 40)}]`);
        }
        if (['iframe', 'object', 'embed', 'details'].includes(tag)) found.push(tag);
        if (root !== document && (tag === 'script' || tag === 'style')) found.push(`${tag} in a shadow root`);
        if (tag === 'img' && el.getAttribute('src') === 'x') found.push('img[src=x]');
        if (tag === 'a') {
          const protocol = (el as HTMLAnchorElement).protocol;
          if ((el as HTMLAnchorElement).hasAttribute('href') && !['http:', 'https:', 'mailto:'].includes(protocol))
            found.push(`a with ${protocol}`);
        }
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(document);
    return found;
  });
}

/** The scan is able to fail: markup planted in a shadow root (inert: no handler can fire) is reported. */
async function scanSeesPlantedMarkup(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    const host = document.createElement('div');
    host.id = 'planted';
    document.body.append(host);
    host.attachShadow({ mode: 'open' }).innerHTML = '<b data-onx="1" onfoo="window.__xss=1">x</b><a href="javascript:void 0">y</a>';
  });
  const found = await injected(page);
  await page.evaluate(() => document.getElementById('planted')?.remove());
  return found;
}

/** The links inside open shadow roots, with their rel and target. */
function linksIn(page: Page): Promise<Array<{ href: string; text: string; rel: string; target: string }>> {
  return page.evaluate(() => {
    const links: Array<{ href: string; text: string; rel: string; target: string }> = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (el instanceof HTMLAnchorElement && root !== document)
          links.push({ href: el.href, text: el.textContent ?? '', rel: el.rel, target: el.target });
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(document);
    return links;
  });
}

describe('hostile text renders as text', () => {
  let app: TestApp;
  let host: http.Server;
  let hostUrl: string;
  let browser: Browser;
  let visitorToken: string;
  const clock = new TestClock();

  beforeAll(async () => {
    // A host site with no CSP at all: if the widget let markup through, its handlers would run here.
    host = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${TITLE.replace(/</g, '&lt;')}</title></head>
<body><h1>Host shop</h1><script src="${app.url}/widget.js" async></script></body></html>`);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    app = await startTestApp({ clock, bundleDir: path.resolve('dist/test-public'), env: { ALLOWED_ORIGINS: hostUrl } });
    browser = await launchBrowser();

    // The visitor writes every payload (from a page whose title and address are payloads too) and names
    // themselves with one; the operator answers with every payload.
    const visitor = visitorClient(app.url);
    const page = { url: `${hostUrl}/shop?q="><svg onload="${RUN}">`, title: TITLE };
    visitorToken = (await ok(visitor, VisitorEvent.hello, { page })).token;
    await ok(visitor, VisitorEvent.identify, {
      email: 'mallory@example.test',
      name: NAME,
      signature: identitySignature(app.app.secrets.identitySecret, 'mallory@example.test'),
    });
    let conversationId = '';
    for (const [i, text] of [...CORPUS, `Safe link: ${SAFE_LINK}`].entries()) {
      if (i > 0 && i % MESSAGE_BURST.limit === 0) clock.advance(MESSAGE_BURST.windowMs);
      const ack = await call(visitor, VisitorEvent.messageSend, { clientId: `xss-visitor-${i}`, text });
      if (!ack.ok) throw new Error(`send failed: ${ack.error.code}`);
      conversationId = ack.data.message.conversationId;
    }
    // A privacy request whose name and details are payloads too, for the console's request desk.
    expect(
      (
        await call(visitor, VisitorEvent.privacyStart, {
          type: 'erasure',
          email: 'mallory@example.test',
          name: NAME,
          details: CORPUS.join(' '),
        })
      ).ok,
    ).toBe(true);
    const operator = operatorClient(app.url, await signIn(app.url));
    await connected(operator);
    for (const [i, text] of CORPUS.entries()) {
      expect((await call(operator, OperatorEvent.messageSend, { conversationId, clientId: `xss-operator-${i}`, text })).ok).toBe(true);
    }
    visitor.close();
    operator.close();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => host?.close(resolve));
  });

  test('in the widget on a page without any CSP: no dialog, nothing injected, javascript: is no link, web addresses are', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // The widget keeps its token JSON-encoded; this browser is the returning visitor who wrote the payloads.
    await page.addInitScript((token) => localStorage.setItem('cw:token', JSON.stringify(token)), visitorToken);
    await page.goto(`${hostUrl}/shop`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const chat = page.getByRole('log', { name: 'Chat with us' });
    // Each payload is there, as text, twice (visitor and operator).
    for (const text of CORPUS) await expect.poll(() => chat.getByText(text, { exact: true }).count()).toBe(2);
    await chat.getByText(SAFE_LINK).waitFor();

    expect(await injected(page)).toEqual([]);
    expect(await scanSeesPlantedMarkup(page)).toEqual([
      'b[onfoo]',
      'b[onfoo=window.__xss=1]',
      'a[href=javascript:void 0]',
      'a with javascript:',
    ]);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.getByRole('heading', { name: 'Host shop' }).isVisible()).toBe(true);
    expect(await linksIn(page)).toEqual([{ href: SAFE_LINK, text: SAFE_LINK, rel: 'noopener noreferrer nofollow', target: '_blank' }]);
    await context.close();
  });

  test('in the console: no dialog, nothing injected from messages, the visitor’s name, page title or address', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signInOperator(page, app.url, ADMIN.email, ADMIN.password);
    await page
      .getByRole('button', { name: /^Conversation with / })
      .first()
      .click();
    const thread = page.getByRole('log', { name: 'Messages' });
    for (const text of CORPUS) await expect.poll(() => thread.getByText(text, { exact: true }).count()).toBe(2);
    await thread.getByText(SAFE_LINK).waitFor();
    // The page title and address are shown, as text.
    await page.getByText(TITLE, { exact: false }).first().waitFor();

    expect(await injected(page)).toEqual([]);
    expect(await scanSeesPlantedMarkup(page)).toEqual([
      'b[onfoo]',
      'b[onfoo=window.__xss=1]',
      'a[href=javascript:void 0]',
      'a with javascript:',
    ]);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    const links = (await linksIn(page)).filter((l) => l.href.startsWith('https://example.com'));
    expect(links).toEqual([{ href: SAFE_LINK, text: SAFE_LINK, rel: 'noopener noreferrer nofollow', target: '_blank' }]);

    // The request desk shows the requester's name and details, as text.
    const reference = app.db.prepare('SELECT reference FROM privacy_requests').pluck().get() as string;
    await page.getByRole('link', { name: /^Privacy requests/ }).click();
    await page.getByRole('link', { name: reference }).click();
    await page.getByText(NAME, { exact: false }).first().waitFor();
    await page.getByText(CORPUS[0], { exact: false }).first().waitFor();
    expect(await injected(page)).toEqual([]);
    expect(dialogs).toEqual([]);
    await context.close();
  });
});

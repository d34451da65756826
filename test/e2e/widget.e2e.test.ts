import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OperatorEvent, OperatorPush } from '../../shared/protocol';
import { launchBrowser } from '../helpers/browser';
import { connected, next, ok, operatorClient, signIn, startTestApp, type OperatorClient, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');
const AXE = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');

/** A site with CSS that tries hard to restyle everything, embedding the widget (twice) from the chat server. */
function hostilePage(chatUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Hostile shop</title>
<style>
* { font-size: 40px !important; line-height: 3 !important; color: red !important; background: yellow !important; box-sizing: content-box !important; }
div, span, button, section, textarea, form, header { all: unset !important; display: inline !important; border: 9px dotted lime !important; }
button { width: 5px !important; height: 5px !important; }
body > * { position: static !important; transform: rotate(3deg) !important; margin: 50px !important; }
cw-chat-widget::part(launcher) { box-shadow: 0 0 0 4px rgb(0, 128, 0); }
cw-chat-widget { --cw-accent: #0a7d32; }
</style></head><body><h1>Shop</h1><p>Products.</p>
<script src="${chatUrl}/widget.js" async data-lang="ru" data-position="left" data-greeting="Добрый день! Спросите нас." data-privacy-url="https://shop.example/privacy" data-color="#ffd400"></script>
</body></html>`;
}

describe('the widget embedded in a page', () => {
  let app: TestApp;
  let browser: Browser;
  let site: http.Server;
  let siteUrl = '';
  let cookie = '';

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    // The host site lives on another origin, as on a customer's site; the chat server allows it.
    let chatUrl = '';
    site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostilePage(chatUrl)));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public'), env: { ALLOWED_ORIGINS: siteUrl } });
    chatUrl = app.url;
    cookie = await signIn(app.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const launcherOf = (page: Page) => page.locator('cw-chat-widget').locator('button.launcher');

  test('on a page with hostile CSS, loaded twice: one widget, its own look, data attributes applied, Russian strings, page CSS only through ::part and --cw-*', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(siteUrl);
    const launcher = page.getByRole('button', { name: 'Открыть чат' });
    await launcher.waitFor();
    // The snippet again (a tag manager firing twice), in another language: nothing changes.
    await page.evaluate((src) => {
      (window as unknown as { first: unknown }).first = window.chatWidget;
      return new Promise((resolve) => {
        const again = Object.assign(document.createElement('script'), { src, onload: resolve });
        again.dataset.lang = 'en';
        document.body.append(again);
      });
    }, `${app.url}/widget.js`);
    expect(await page.evaluate(() => window.chatWidget === (window as unknown as { first: unknown }).first)).toBe(true);
    expect(await page.locator('cw-chat-widget').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Open chat' }).count()).toBe(0);

    const box = (await launcher.boundingBox())!;
    expect(box.width).toBe(60);
    expect(box.height).toBe(60);
    expect(box.x).toBeLessThan(40); // data-position="left"
    expect(800 - (box.y + box.height)).toBeLessThan(40);
    const look = await launcherOf(page).evaluate((el) => {
      const s = getComputedStyle(el);
      return { background: s.backgroundColor, color: s.color, shadow: s.boxShadow };
    });
    // data-color is an inline style on the host, so it wins over the page's stylesheet --cw-accent.
    expect(look.background).toBe('rgb(255, 212, 0)');
    // A light accent gets dark text (contrast), not the default white.
    expect(look.color).toBe('rgb(0, 0, 0)');
    expect(look.shadow).toContain('rgb(0, 128, 0)'); // ::part(launcher) reaches in

    await launcher.click();
    const composer = page.getByRole('textbox', { name: 'Сообщение' });
    await composer.waitFor();
    await expect.poll(() => composer.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    const panelStyle = await page
      .locator('cw-chat-widget')
      .locator('cw-chat-panel')
      .locator('section.panel')
      .evaluate((el) => {
        const s = getComputedStyle(el);
        return { fontSize: s.fontSize, color: s.color, width: el.getBoundingClientRect().width };
      });
    expect(panelStyle).toEqual({ fontSize: '15px', color: 'rgb(28, 30, 33)', width: 370 });
    await page.getByText('Добрый день! Спросите нас.').waitFor();
    expect(await page.getByRole('link', { name: 'Политика конфиденциальности' }).getAttribute('href')).toBe('https://shop.example/privacy');
    expect(await page.getByRole('button', { name: 'Закрыть чат' }).count()).toBe(2); // in the panel and the bubble
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'widget-hostile-css-ru.png') });
    await context.close();
  });

  test('the page drives it through window.chatWidget: open, close, toggle, events for open, close, message and unread, off()', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    await page.evaluate(() => {
      const w = window as unknown as {
        events: unknown[];
        chatWidget: { on(e: string, f: (d?: unknown) => void): void; off(e: string, f: (d?: unknown) => void): void };
      };
      w.events = [];
      for (const name of ['open', 'close', 'message', 'unread']) w.chatWidget.on(name, (detail) => w.events.push([name, detail ?? null]));
      const dropped = () => w.events.push(['dropped', null]);
      w.chatWidget.on('open', dropped);
      w.chatWidget.off('open', dropped);
    });
    const events = () => page.evaluate(() => (window as unknown as { events: Array<[string, unknown]> }).events);
    const api = (call: string) =>
      page.evaluate((c) => (window as unknown as { chatWidget: Record<string, () => void> }).chatWidget[c](), call);

    await api('open');
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.waitFor();
    await page.waitForFunction(() => localStorage.getItem('cw:token') !== null);
    await composer.fill('Do you ship to Norway?');
    await composer.press('Enter');
    await expect.poll(async () => (await events()).filter(([n]) => n === 'message').length).toBe(1);
    expect((await events()).find(([n]) => n === 'message')![1]).toMatchObject({
      author: 'visitor',
      text: 'Do you ship to Norway?',
      operatorName: null,
    });

    await api('close');
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    // An operator answers while the panel is closed: an unread count for the page and a badge.
    const operator = operatorClient(app.url, cookie);
    await connected(operator);
    const conversation = (await ok(operator, OperatorEvent.conversationList, { view: 'open' })).conversations.find(
      (c) => c.lastMessagePreview === 'Do you ship to Norway?',
    )!;
    await ok(operator, OperatorEvent.messageSend, { conversationId: conversation.id, clientId: 'reply-norway-1', text: 'Yes, we do.' });
    await page.getByRole('button', { name: 'Open chat (1 unread)' }).waitFor();
    await api('toggle');
    await page.getByRole('button', { name: 'Close chat' }).first().waitFor();
    await api('toggle');
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    operator.close();

    expect(
      (await events()).map(([n, d]) =>
        n === 'message' ? `message:${(d as { author: string }).author}` : n === 'unread' ? `unread:${d}` : n,
      ),
    ).toEqual(['open', 'message:visitor', 'close', 'message:operator', 'unread:1', 'open', 'unread:0', 'close']);
    await context.close();
  });

  test('keyboard alone: Tab reaches the bubble, Enter opens with focus in the composer, everything is reachable, Esc closes and focus returns to the bubble', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    const focusedName = () =>
      page.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return el ? el.getAttribute('aria-label') || (el.textContent ?? '').trim() || el.tagName : null;
      });
    for (let i = 0; i < 30 && (await focusedName()) !== 'Open chat'; i++) await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('Open chat');
    await page.keyboard.press('Enter');
    await expect.poll(focusedName).toBe('Message');
    await page.keyboard.type('Typed with the keyboard only');
    await page.keyboard.press('Enter');
    await page.getByText('Typed with the keyboard only').locator('..').getByText('Sent').waitFor();

    // Tab on through the panel: send, privacy, the transcript (there is a conversation now), policy, the
    // bubble; and the privacy flow opens by keyboard.
    const outline = () =>
      page.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return getComputedStyle(el!).outlineStyle;
      });
    const seen: Array<string | null> = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focusedName());
      expect(await outline(), `focus ring on ${seen.at(-1)}`).not.toBe('none');
    }
    expect(seen).toEqual(['Send', 'Privacy & my data', 'E-mail me this conversation', 'Privacy policy', 'Close chat']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedName()).toBe('Privacy & my data');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Privacy & my data' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    expect(await focusedName()).toBe('Open chat');
    await context.close();
  });

  test('axe-core finds no serious or critical violation on the demo page with the panel open, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
      const page = await context.newPage();
      await page.goto(`${app.url}/`);
      await page.getByRole('button', { name: 'Open chat' }).click();
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      await page.getByText('We are online').or(page.getByText('We are away right now').first()).first().waitFor();
      await page.evaluate(AXE);
      const violations = await page.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
          }
        ).axe;
        const result = await axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
      });
      expect(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
        colorScheme,
      ).toEqual([]);
      await context.close();
    }
  });

  test('screenshots: desktop and a 375×667 phone, light and dark; on the phone the open panel fills the screen', async () => {
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['mobile', { width: 375, height: 667 }],
    ] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ viewport, colorScheme, isMobile: name === 'mobile', hasTouch: name === 'mobile' });
        const page = await context.newPage();
        await page.goto(`${app.url}/`);
        await page.getByRole('button', { name: 'Open chat' }).click();
        const composer = page.getByRole('textbox', { name: 'Message' });
        await composer.waitFor();
        await composer.fill(`Hello from a ${name} screen`);
        await composer.press('Enter');
        await page.getByText(`Hello from a ${name} screen`).locator('..').getByText('Sent').waitFor();
        const box = (await page.locator('cw-chat-widget').locator('cw-chat-panel').locator('section.panel').boundingBox())!;
        if (name === 'mobile') {
          expect(box).toEqual({ x: 0, y: 0, width: 375, height: 667 });
          // The bubble hides behind the full-screen panel; the panel's own close button closes it.
          await page.getByRole('button', { name: 'Close chat' }).click();
          await page.getByRole('button', { name: 'Open chat' }).waitFor();
          await page.getByRole('button', { name: 'Open chat' }).click();
          await composer.waitFor();
        } else {
          expect(box.width).toBe(370);
        }
        const background = await page
          .locator('cw-chat-widget')
          .locator('cw-chat-panel')
          .locator('section.panel')
          .evaluate((el) => getComputedStyle(el).backgroundColor);
        expect(background).toBe(colorScheme === 'dark' ? 'rgb(30, 31, 34)' : 'rgb(255, 255, 255)');
        await page.screenshot({ path: path.join(OUTPUT_DIR, `widget-${name}-${colorScheme}.png`) });
        await context.close();
      }
    }
  });

  test('typing shows both ways: the operator sees the visitor typing, the visitor sees the operator’s name typing', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('First, a question');
    await composer.press('Enter');
    await page.getByText('First, a question').locator('..').getByText('Sent').waitFor();

    const operator: OperatorClient = operatorClient(app.url, cookie);
    await connected(operator);
    const conversations = (await ok(operator, OperatorEvent.conversationList, { view: 'open' })).conversations;
    const conversation = conversations.find((c) => c.lastMessagePreview === 'First, a question')!;
    const typing = next<{ conversationId: string; typing: boolean }>(
      operator,
      OperatorPush.typing,
      (t) => t.conversationId === conversation.id && t.typing,
    );
    await composer.pressSequentially('and another', { delay: 10 });
    await typing;

    await ok(operator, OperatorEvent.typingSet, { conversationId: conversation.id, typing: true });
    await page
      .getByText(
        `${(await ok(operator, OperatorEvent.conversationClaim, { conversationId: conversation.id })).conversation.assignedOperatorName} is typing…`,
      )
      .waitFor();
    await ok(operator, OperatorEvent.messageSend, { conversationId: conversation.id, clientId: 'typing-reply-1', text: 'Ask away.' });
    await page.getByRole('log').getByText('Ask away.').waitFor();
    expect(await page.getByText('is typing…').count()).toBe(0);
    operator.close();
    await page.context().close();
  });
});

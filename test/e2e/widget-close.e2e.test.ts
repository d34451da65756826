import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { startTestApp, type TestApp } from '../helpers/test-app';

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 720 },
  { name: 'phone', width: 375, height: 812 },
] as const;
const THEMES = ['light', 'dark'] as const;

/** What the visitor sees of the panel: its box on screen (null once it is not rendered at all). */
async function panelBox(page: Page) {
  return page.locator('cw-chat-widget').locator('section[role="dialog"]').boundingBox();
}

/** Whether focus sits on the bubble (inside the loader's shadow root). */
function focusOnBubble(page: Page): Promise<boolean> {
  return page.evaluate(
    () =>
      document.activeElement?.tagName === 'CW-CHAT-WIDGET' &&
      document.activeElement.shadowRoot?.activeElement?.classList.contains('launcher') === true,
  );
}

describe('closing the chat panel', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const size of WIDTHS)
    for (const theme of THEMES)
      test(`×, Esc and the bubble take the panel off the screen and give focus back to the bubble (${size.name}, ${theme})`, async () => {
        const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, colorScheme: theme });
        const page = await context.newPage();
        await page.goto(`${app.url}/`);
        const bubble = page.getByRole('button', { name: 'Open chat' });
        const open = async () => {
          await bubble.click();
          await page.getByLabel('Message').waitFor();
          expect(await panelBox(page)).not.toBeNull();
        };
        const closed = async (how: string) => {
          await bubble.waitFor();
          await expect.poll(() => panelBox(page), { message: `panel still on screen after ${how}` }).toBeNull();
          await expect.poll(() => focusOnBubble(page), { message: `focus not on the bubble after ${how}` }).toBe(true);
        };

        await open();
        await page.getByRole('button', { name: 'Close chat' }).first().click();
        await closed('×');

        await open();
        await page.keyboard.press('Escape');
        await closed('Esc');

        // On a phone the open panel fills the screen and covers the bubble: × and Esc are the ways out there.
        if (size.name === 'desktop') {
          await open();
          await page.locator('cw-chat-widget').locator('button.launcher').click();
          await closed('the bubble');
        }
        await context.close();
      });

  test('every icon button of the bubble and the panel draws an inline SVG and has an accessible name', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByLabel('Message').waitFor();
    const icons = await page.evaluate(() => {
      const roots: Array<Document | ShadowRoot> = [document];
      const buttons: HTMLButtonElement[] = [];
      while (roots.length) {
        const root = roots.pop()!;
        for (const el of root.querySelectorAll('*')) {
          if (el.shadowRoot) roots.push(el.shadowRoot);
          // innerText, not textContent: the bubble's hidden unread badge holds a "0" that is not shown.
          // biome-ignore lint/performance/useDomNodeTextContent: only rendered text counts here
          if (el instanceof HTMLButtonElement && el.getBoundingClientRect().width > 0 && !el.innerText.trim()) buttons.push(el);
        }
      }
      return buttons.map((b) => {
        const svg = b.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          name: b.getAttribute('aria-label') ?? '',
          drawn: !!svg && !!box && box.width >= 12 && box.height >= 12 && !!svg.querySelector('path')?.getAttribute('d'),
        };
      });
    });
    // The bubble, the sound toggle, × and the paperclip: each an icon, none a font glyph.
    expect(icons.map((i) => i.name).sort()).toEqual(['Attach a file', 'Close chat', 'Close chat', 'Sound on']);
    expect(icons.every((i) => i.drawn)).toBe(true);
    await page.close();
  });
});

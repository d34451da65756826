import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { startTestApp, type TestApp } from '../helpers/test-app';

describe("the widget and the host page's layout", () => {
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

  // Counted like Core Web Vitals' CLS would, except that shifts right after a click count too: opening
  // the chat must not move anything, not even inside the panel (its header once grew as presence arrived).
  test('loading the bubble, opening and closing the chat shift nothing, on the page or in the panel', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const shifts: number[] = [];
      (window as unknown as { __shifts: number[] }).__shifts = shifts;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as Array<PerformanceEntry & { value: number; hadRecentInput: boolean }>)
          shifts.push(entry.value);
      }).observe({ type: 'layout-shift', buffered: true });
    });
    await page.goto(`${app.url}/`);
    const heading = page.getByRole('heading', { level: 1 });
    const before = await heading.boundingBox();
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByLabel('Message').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    expect(await heading.boundingBox()).toEqual(before);
    // Layout-shift entries are delivered asynchronously: take a frame before reading them.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.evaluate(() => (window as unknown as { __shifts: number[] }).__shifts)).toEqual([]);
  });
});

import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VisitorEvent } from '../../shared/protocol';
import { iconButtonProblems, launchBrowser, signInOperator } from '../helpers/browser';
import { ADMIN, call, connected, startTestApp, visitorClient, type TestApp } from '../helpers/test-app';

/**
 * Our own pages are served with style-src 'self' and no 'unsafe-inline': every view of the console and
 * of the widget's privacy flow must render without the browser refusing anything.
 */
describe('our pages under our own Content-Security-Policy', () => {
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

  async function watchedPage() {
    const page = await (await browser.newContext()).newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __csp: string[] }).__csp = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.sample}`));
    });
    return page;
  }

  test('every console view renders without a CSP violation', async () => {
    const visitor = visitorClient(app.url);
    await connected(visitor);
    await call(visitor, VisitorEvent.hello, {});
    await call(visitor, VisitorEvent.messageSend, { clientId: 'csp-check-1', text: 'Hello from a visitor' });

    const page = await watchedPage();
    await signInOperator(page, app.url, ADMIN.email, ADMIN.password);
    await page
      .getByRole('button', { name: /Conversation with/ })
      .first()
      .click();
    await page.getByLabel('Reply').waitFor();
    expect(await iconButtonProblems(page)).toEqual([]);
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: /^Privacy requests/ }).click();
    await page.getByRole('link', { name: 'File a request from an e-mail' }).click();
    await page.getByLabel('Requester e-mail').waitFor();
    // Every admin page, each at its own address.
    const adminPages: Array<[string, string, RegExp]> = [
      ['Operators', 'operators', /Add an operator/],
      ['Inbox settings', 'settings', /Assign new conversations automatically/],
      ['Canned replies', 'canned', /No canned replies yet/],
      ['Register of requests', 'register', /Download the register/],
      ['Dev outbox', 'outbox', /No mail yet|To /],
      ['API keys', 'api-keys', /No API keys yet/],
      ['Data systems', 'data-systems', /No data systems yet/],
      ['Webhooks', 'webhooks', /No webhooks yet/],
    ];
    for (const [label, path, content] of adminPages) {
      await nav.getByRole('link', { name: label }).click();
      await page.getByRole('heading', { level: 1, name: label }).waitFor();
      await page.getByText(content).first().waitFor();
      expect(new URL(page.url()).pathname).toBe(`/console/admin/${path}`);
      expect(await iconButtonProblems(page), label).toEqual([]);
    }
    await page.getByLabel('Endpoint URL').waitFor();
    await page.getByRole('button', { name: 'Account menu' }).click();
    expect(await iconButtonProblems(page)).toEqual([]);
    await page.getByRole('menuitem', { name: 'Change password' }).click();
    await page.getByLabel('Current password').waitFor();
    // The layout rules really apply: the account dialog's inputs span its width.
    const input = (await page.getByLabel('Current password').boundingBox())!;
    expect(input.width).toBeGreaterThan(200);

    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    await page.screenshot({ path: 'test-output/console-account-dialog.png' });
    visitor.close();
  });

  test("the widget's privacy view renders on the demo page without a CSP violation and fills the panel", async () => {
    const page = await watchedPage();
    await page.goto(`${app.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Privacy & my data' }).click();
    const erase = page.getByRole('button', { name: 'Delete my data' });
    await erase.waitFor();
    const panel = (await page.getByRole('dialog').boundingBox())!;
    const flow = (await page.locator('cw-privacy-flow').boundingBox())!;
    // Stretched to the panel's height below its header, not shrunk to its content.
    expect(flow.y + flow.height).toBeGreaterThan(panel.y + panel.height - 80);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });
});

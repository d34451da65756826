import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, headless; tests never download a browser. Override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium for end-to-end tests. Playwright gives every non-persistent context its own
 * fresh profile, so one browser can host a visitor and an operator without them sharing storage.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Every icon-only button in the page, shadow roots included (a button whose text is empty), that does
 * not render an inline <svg> or has no aria-label: icons are SVG with a name, never a glyph or an emoji.
 */
export function iconButtonProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        if (!(el instanceof HTMLButtonElement)) continue;
        const text = (el.textContent ?? '').trim();
        // A lone glyph ("?", "×", "☰", an emoji) is an icon drawn as text: it counts as icon-only too.
        const glyph = text.length > 0 && !/[\p{L}\p{N}]{2}/u.test(text);
        if (text && !glyph) continue;
        if (glyph) problems.push(`a button shows "${text}" as its icon`);
        else if (!el.querySelector('svg')) problems.push(`${el.outerHTML.slice(0, 120)} renders no <svg>`);
        if (!el.getAttribute('aria-label')?.trim()) problems.push(`${el.outerHTML.slice(0, 120)} has no aria-label`);
        for (const svg of el.querySelectorAll('svg'))
          if (svg.getAttribute('aria-hidden') !== 'true') problems.push(`${el.getAttribute('aria-label')}: its svg is not aria-hidden`);
      }
    };
    visit(document);
    return problems;
  });
}

/** Signs an operator in through the console's form and waits until the console is connected. */
export async function signInOperator(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: /^Privacy requests/ })
    .waitFor();
  // The header's connection state: "Connected" while the socket is up, "Reconnecting…" while it is down.
  await page.getByRole('status').getByText('Connected', { exact: true }).waitFor();
}

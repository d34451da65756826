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

/** Signs an operator in through the console's form and waits until the console is connected. */
export async function signInOperator(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Privacy requests' }).waitFor();
  await page.getByText(/^Online ·/).waitFor();
}

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const run = promisify(execFile);

/** The credentials block `npm start` prints for the generated first admin. */
function printedCredentials(output: string): { email: string; password: string } {
  const email = /e-mail:\s+(\S+)/.exec(output)?.[1];
  const password = /password:\s+(\S+)/.exec(output)?.[1];
  if (!email || !password) throw new Error(`no credentials in what the server printed:\n${output}`);
  return { email, password };
}

/**
 * The path a newcomer walks: `npm start` with nothing set (no ADMIN_EMAIL, no ADMIN_PASSWORD), then the
 * console with exactly what was printed. Every other test sets its own admin, so only this one walks it.
 */
describe('a newcomer with nothing configured', () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-newcomer-'));
    // As `npm start` does: the entry builds its own bundles; ADMIN_* empty counts as unset.
    server = await startServerProcess({
      databasePath: path.join(dir, 'data', 'chat.db'),
      bundleDir: path.join(dir, 'public'),
      env: { ADMIN_EMAIL: '', ADMIN_PASSWORD: '', LOG_LEVEL: 'info' },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('signs in to the console in Chromium with the e-mail and password npm start printed, and sees the inbox', async () => {
    const output = server.output();
    expect(output).toMatch(/First admin account/);
    const { email, password } = printedCredentials(output);
    expect(fs.existsSync(path.join(dir, 'data', 'chat.db'))).toBe(true);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    await signInOperator(page, server.url, email, password);
    await page.getByRole('searchbox', { name: 'Search conversations' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.context().close();
  });

  test('the demo site answers every request its pages make (the favicon too), and its language switch gives the Russian widget', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    expect((await page.request.get(`${server.url}/favicon.ico`)).headers()['content-type']).toMatch(/^image\/svg\+xml/);
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Русский' }).click();
    await page.getByRole('button', { name: 'Открыть чат' }).click();
    await page.getByLabel('Сообщение').waitFor();
    await page.getByRole('navigation', { name: 'Язык' }).getByRole('link', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    expect(failed).toEqual([]);
    await page.context().close();
  });

  test('a new installation comes with example canned replies an operator can use at once', async () => {
    const db = new Database(path.join(dir, 'data', 'chat.db'), { readonly: true });
    const shortcuts = db.prepare('SELECT shortcut FROM canned_replies ORDER BY shortcut').pluck().all();
    db.close();
    expect(shortcuts).toEqual(expect.arrayContaining(['hello', 'privacy', 'bye']));
  });

  test('a malformed e-mail at sign-in gets a clear error in the form, and the account stays as it was', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    await page.goto(`${server.url}/console`);
    await page.getByLabel('E-mail').fill('admin@localhost');
    await page.getByLabel('Password').fill('whatever it is');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('email: not an e-mail address (write it as name@example.com)').waitFor();
    // A malformed address is no sign-in attempt: the printed account still signs in at once.
    const { email, password } = printedCredentials(server.output());
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).first().waitFor();
    await page.context().close();
  });

  test('npm run admin -- add-operator prints credentials that sign in to the console', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'server/cli/admin-cli.ts', 'add-operator', '--email', 'Olga@Example.com', '--name', 'Olga'],
      {
        env: { ...process.env, DATABASE_PATH: path.join(dir, 'data', 'chat.db') },
      },
    );
    const printedEmail = /<([^>]+)>/.exec(stdout)?.[1];
    const printedPassword = /Password \(shown once\): (\S+)/.exec(stdout)?.[1];
    expect(printedEmail).toBe('olga@example.com');
    expect(printedPassword).toBeTruthy();

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    await signInOperator(page, server.url, printedEmail!, printedPassword!);
    await page.getByRole('searchbox', { name: 'Search conversations' }).waitFor();
    await page.context().close();
  });

  test('an address the sign-in form would refuse cannot become an account, from the CLI or ADMIN_EMAIL', async () => {
    const cli = await run(
      process.execPath,
      ['--import', 'tsx', 'server/cli/admin-cli.ts', 'add-operator', '--email', 'root@localhost', '--name', 'Root'],
      {
        env: { ...process.env, DATABASE_PATH: path.join(dir, 'data', 'chat.db') },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect('code' in cli && cli.code).toBe(2);
    expect((cli as { stderr: string }).stderr).toMatch(/email: not an e-mail address/);

    const refused = await startServerProcess({ databasePath: path.join(dir, 'other.db'), env: { ADMIN_EMAIL: 'admin@localhost' } }).catch(
      (error: Error) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/ADMIN_EMAIL must be an e-mail address the console's sign-in accepts/);
  });
});

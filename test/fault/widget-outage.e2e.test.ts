import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { TcpProxy } from '../helpers/tcp-proxy';

/** Socket.IO's requests (polling and the WebSocket upgrade) start like this; pages and scripts do not. */
const isSocketIo = (head: string) => head.startsWith('GET /socket.io/') || head.startsWith('POST /socket.io/');

const ADMIN = { email: 'admin@example.test', password: 'outage-admin-password-1' };
// The visitor here types faster than the spam limits allow for long; those limits are not under test.
const ENV = { VISITOR_MESSAGE_LIMITS: '1000,10000', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
const BUNDLES = path.resolve('dist/test-public');

/**
 * The real widget and the real console in Chromium against the real server process, which is killed
 * (SIGKILL) and started again on the same port and database, or cut off by a proxy: whatever the visitor
 * or the operator typed before, during and after is stored once, in order, without a click.
 */
describe('messages typed while the server is down arrive by themselves', () => {
  let browser: Browser;
  let site: http.Server;
  let siteUrl = '';
  /** Where the site's widget connects; set by each test before it opens the page. */
  let chatUrl = '';
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    // The site serves the widget's files itself (as from a CDN), so its pages load and reload while the
    // chat server is down.
    site = http.createServer((req, res) => {
      const file = /^\/(widget[\w.-]*\.js)$/.exec(req.url ?? '')?.[1];
      if (file) res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(fs.readFileSync(path.join(BUNDLES, file)));
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><title>Shop</title><h1>Shop</h1><script src="/widget.js" async data-server="${chatUrl}"></script>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  async function start(databasePath: string, port?: number): Promise<ServerProcess> {
    const server = await startServerProcess({ databasePath, port, env: { ...ENV, ALLOWED_ORIGINS: siteUrl } });
    cleanup.push(() => server.child.exitCode === null && server.child.signalCode === null && server.child.kill('SIGKILL'));
    return server;
  }

  async function kill(server: ServerProcess): Promise<void> {
    server.child.kill('SIGKILL');
    await server.exited;
  }

  /** Stops the server cleanly; what it stored is then read from the file. */
  async function stop(server: ServerProcess): Promise<void> {
    server.child.kill('SIGTERM');
    await server.exited;
  }

  function database(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-outage-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, 'chat.db');
  }

  function stored(databasePath: string): Array<{ author: string; text: string; clientId: string }> {
    const db = new Database(databasePath, { readonly: true });
    try {
      return db.prepare(`SELECT author, body AS text, client_id AS clientId FROM messages ORDER BY conversation_id, seq`).all() as Array<{ author: string; text: string; clientId: string }>;
    } finally {
      db.close();
    }
  }

  async function openWidget(page: Page): Promise<void> {
    await page.goto(`${siteUrl}/`);
    await page.getByRole('button', { name: /^Open chat/ }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
  }

  /** Types and sends each text with Enter, as a visitor does, without waiting for any answer. */
  async function type(page: Page, texts: string[]): Promise<void> {
    const composer = page.getByRole('textbox', { name: 'Message' });
    for (const text of texts) {
      await composer.fill(text);
      await composer.press('Enter');
    }
  }

  const range = (label: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${label} ${from + i}`);

  /** Nothing left unacknowledged in the page: no pending message kept, none shown as sending or failed. */
  async function allSent(page: Page): Promise<void> {
    await page.waitForFunction(() => localStorage.getItem('cw:pending') === null, undefined, { timeout: 30_000 });
    const log = page.getByRole('log', { name: 'Chat with us' });
    await expect.poll(() => log.locator('[data-pending]').count()).toBe(0);
  }

  const pendingStates = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem('cw:pending') ?? '[]') as Array<{ failed: boolean }>).map((p) => p.failed));

  test('killed and restarted while the visitor types: every message before, during and after is stored once, in order', async () => {
    const databasePath = database();
    let server = await start(databasePath);
    chatUrl = server.url;
    const page = await (await browser.newContext()).newPage();
    await openWidget(page);
    await page.getByText(/We are (online|away)/).first().waitFor();

    const before = range('before', 0, 10);
    const during = range('during', 0, 10);
    const after = range('after', 0, 10);
    // Half the messages are typed; the server dies at once, some of them still in flight.
    await type(page, before);
    await kill(server);
    await page.getByText('Reconnecting…').first().waitFor();
    await type(page, during);
    const log = page.getByRole('log', { name: 'Chat with us' });
    await log.getByText('during 9', { exact: true }).locator('..').getByText('Sending…').waitFor();
    expect(await log.getByText('Not sent').count()).toBe(0);
    expect(await pendingStates(page)).not.toContain(true);

    // The server comes back on the same port and database while the visitor keeps typing.
    const restarting = start(databasePath, server.port);
    await type(page, after);
    server = await restarting;
    await allSent(page);
    expect(await log.getByText('Not sent').count()).toBe(0);
    await stop(server);

    const rows = stored(databasePath);
    expect(rows.map((r) => r.text)).toEqual([...before, ...during, ...after]);
    expect(new Set(rows.map((r) => r.clientId)).size).toBe(30);
    await page.context().close();
  });
});

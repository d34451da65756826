import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { startShopSite } from '../helpers/shop-site';
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
  let site: Awaited<ReturnType<typeof startShopSite>>;
  let siteUrl = '';
  /** Where the site's widget connects; set by each test before it opens the page. */
  let chatUrl = '';
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    site = await startShopSite(BUNDLES, () => chatUrl);
    siteUrl = site.url;
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
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
      return db.prepare(`SELECT author, body AS text, client_id AS clientId FROM messages ORDER BY conversation_id, seq`).all() as Array<{
        author: string;
        text: string;
        clientId: string;
      }>;
    } finally {
      db.close();
    }
  }

  async function openWidget(page: Page): Promise<void> {
    await page.goto(`${siteUrl}/`);
    await page.getByRole('button', { name: /^Open chat/ }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
  }

  /** A TCP proxy in front of `server` (closed after the test); the widget connects through it from now on. */
  async function throughProxy(server: ServerProcess): Promise<TcpProxy> {
    const proxy = await new TcpProxy(server.port).start();
    cleanup.push(() => proxy.close());
    chatUrl = proxy.url;
    return proxy;
  }

  /** Opens the widget and waits until it is connected (the header shows the team's presence). */
  async function openConnected(page: Page): Promise<void> {
    await openWidget(page);
    await page
      .getByText(/We are (online|away)/)
      .first()
      .waitFor();
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

  /** What the widget keeps in localStorage: per kept message, the code of the server's refusal, or null. */
  const keptRefusals = (page: Page) =>
    page.evaluate(() =>
      (JSON.parse(localStorage.getItem('cw:pending') ?? '[]') as Array<{ refused?: { code: string } }>).map((p) => p.refused?.code ?? null),
    );

  test('killed and restarted while the visitor types: every message before, during and after is stored once, in order', async () => {
    const databasePath = database();
    let server = await start(databasePath);
    chatUrl = server.url;
    const page = await (await browser.newContext()).newPage();
    await openConnected(page);

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
    // At least the ten typed while down are kept, and none of them counts as refused.
    const kept = await keptRefusals(page);
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(kept.filter((code) => code !== null)).toEqual([]);

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

  test('the connection cut by the network and restored: every message before, during and after is stored once, in order', async () => {
    const databasePath = database();
    const server = await start(databasePath);
    const proxy = await throughProxy(server);
    const page = await (await browser.newContext()).newPage();
    await openConnected(page);

    const before = range('before', 0, 5);
    const during = range('during', 0, 5);
    const after = range('after', 0, 5);
    await type(page, before);
    proxy.cut(isSocketIo);
    await page.getByText('Reconnecting…').first().waitFor();
    await type(page, during);
    const log = page.getByRole('log', { name: 'Chat with us' });
    await log.getByText('during 4', { exact: true }).locator('..').getByText('Sending…').waitFor();
    await page.getByRole('status').getByText('Waiting for the connection').waitFor();
    proxy.restore();
    await type(page, after);
    await allSent(page);
    expect(await log.getByText('Not sent').count()).toBe(0);
    await stop(server);

    expect(stored(databasePath).map((r) => r.text)).toEqual([...before, ...during, ...after]);
    await page.context().close();
  });

  test('the server dies behind a proxy that keeps the connection open: what the visitor types meanwhile is not failed, and goes once the server is back', async () => {
    const databasePath = database();
    let server = await start(databasePath);
    const proxy = await throughProxy(server);
    const page = await (await browser.newContext()).newPage();
    await openConnected(page);

    await type(page, ['before the stall']);
    const log = page.getByRole('log', { name: 'Chat with us' });
    await log.getByText('before the stall', { exact: true }).locator('..').getByText('Sent').waitFor();
    // The browser's connection stays open but leads nowhere: nothing tells the widget the server is gone.
    proxy.stall();
    await kill(server);
    await type(page, ['into the void 0', 'into the void 1']);
    server = await start(databasePath, server.port);
    // Unanswered, the widget starts a new connection by itself (after the 10-second answer timeout) and resends.
    await allSent(page);
    expect(await log.getByText('Not sent').count()).toBe(0);
    await stop(server);
    expect(stored(databasePath).map((r) => r.text)).toEqual(['before the stall', 'into the void 0', 'into the void 1']);
    await page.context().close();
  });

  test('reloaded while messages wait, and offline for minutes: kept, shown as not sent with Remove, and still sent once the server is back', async () => {
    const databasePath = database();
    let server = await start(databasePath);
    chatUrl = server.url;
    const page = await (await browser.newContext()).newPage();
    // The page's clock runs on its own, and the test moves it two minutes on instead of waiting them.
    await page.clock.install();
    await openConnected(page);

    await type(page, ['before reload 0', 'before reload 1']);
    await kill(server);
    await page.getByText('Reconnecting…').first().waitFor();
    await type(page, ['offline 0', 'offline 1', 'taken back']);
    await page.waitForFunction(() => (localStorage.getItem('cw:pending') ?? '').includes('taken back'));

    // The site still loads; the chat cannot connect. What was kept is there again, still sending.
    await page.reload();
    const log = page.getByRole('log', { name: 'Chat with us' });
    const launcher = page.getByRole('button', { name: /^Open chat/ });
    await log.or(launcher).first().waitFor();
    if (await launcher.isVisible()) await launcher.click();
    await log.getByText('taken back', { exact: true }).locator('..').getByText('Sending…').waitFor();
    await type(page, ['after reload']);
    await log.getByText('after reload', { exact: true }).locator('..').getByText('Sending…').waitFor();

    // Two minutes without a connection: each kept message says it was not sent, and offers Retry and Remove.
    await page.clock.fastForward('02:00');
    const takenBack = log.getByText('taken back', { exact: true }).locator('..');
    await takenBack.getByText('Not sent').waitFor();
    await page.getByRole('status').getByText('Waiting for the connection — your messages are kept and will be sent.').waitFor();
    await takenBack.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => log.getByText('taken back', { exact: true }).count()).toBe(0);
    expect(await log.getByRole('button', { name: 'Retry' }).count()).toBeGreaterThan(0);

    server = await start(databasePath, server.port);
    await allSent(page);
    await stop(server);
    const texts = stored(databasePath).map((r) => r.text);
    // Whether the first two were stored before the kill or after the restart, each is stored once.
    expect(texts).toEqual(['before reload 0', 'before reload 1', 'offline 0', 'offline 1', 'after reload']);
    await page.context().close();
  });

  test('a refusal from the server says why, offers Retry and Remove, and the rest still go', async () => {
    const databasePath = database();
    const server = await startServerProcess({ databasePath, env: { ...ENV, VISITOR_MESSAGE_LIMITS: '2,100', ALLOWED_ORIGINS: siteUrl } });
    cleanup.push(() => server.child.exitCode === null && server.child.signalCode === null && server.child.kill('SIGKILL'));
    chatUrl = server.url;
    const page = await (await browser.newContext()).newPage();
    await openConnected(page);
    await type(page, ['one', 'two', 'three is one too many']);
    const log = page.getByRole('log', { name: 'Chat with us' });
    const refused = log.getByText('three is one too many', { exact: true }).locator('..');
    await refused.getByText('Not sent · Too many messages; wait a moment.', { exact: false }).waitFor();
    expect(await keptRefusals(page)).toEqual(['rate_limited']);
    await refused.getByRole('button', { name: 'Retry' }).waitFor();
    await refused.getByRole('button', { name: 'Remove' }).click();
    await allSent(page);
    await stop(server);
    expect(stored(databasePath).map((r) => r.text)).toEqual(['one', 'two']);
    await page.context().close();
  });

  test('operator replies and notes typed while the server restarts arrive once, in order, and the console says it is reconnecting', async () => {
    const databasePath = database();
    let server = await start(databasePath);
    chatUrl = server.url;
    const context = await browser.newContext();
    const visitor = await context.newPage();
    const console = await (await browser.newContext()).newPage();
    await signInOperator(console, server.url, ADMIN.email, ADMIN.password);
    await openWidget(visitor);
    await visitor.getByText('We are online').waitFor();
    await type(visitor, ['Is my parcel lost?']);
    await console.getByRole('button', { name: /^Conversation with Visitor/ }).click();
    const thread = console.getByRole('log', { name: 'Messages' });
    await thread.getByText('Is my parcel lost?').waitFor();
    const reply = console.getByLabel('Reply', { exact: true });
    await reply.fill('Let me look');
    await reply.press('Enter');
    await thread.getByText('Let me look').waitFor();

    await kill(server);
    // Both the header and the line above the composer say so; the composer's says what happens to replies.
    await console.getByRole('banner').getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await console.getByRole('status').filter({ hasText: 'Replies and notes you send now are kept' }).waitFor();
    await reply.fill('Found it in the depot');
    await reply.press('Enter');
    await console.getByRole('button', { name: 'Internal note' }).click();
    const note = console.getByLabel('Internal note (only operators see it)');
    await note.fill('Depot in Leeds, ticket D-7');
    await note.press('Enter');
    await console.getByRole('button', { name: 'Reply', exact: true }).click();
    await reply.fill('It will reach you tomorrow');
    await reply.press('Enter');
    await thread.locator('[data-outgoing]').filter({ hasText: 'It will reach you tomorrow' }).getByText('Sending…').waitFor();
    expect(await thread.getByText(/^Not sent/).count()).toBe(0);

    server = await start(databasePath, server.port);
    await console.getByRole('status').filter({ hasText: 'Connected again.' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => thread.locator('[data-outgoing]').count(), { timeout: 30_000 }).toBe(0);
    for (const text of ['Let me look', 'Found it in the depot', 'Depot in Leeds, ticket D-7', 'It will reach you tomorrow']) {
      expect(await thread.getByText(text, { exact: true }).count()).toBe(1);
    }
    // The visitor's widget catches up by itself too.
    await visitor.getByRole('log', { name: 'Chat with us' }).getByText('It will reach you tomorrow').waitFor({ timeout: 30_000 });
    await stop(server);

    expect(stored(databasePath).map((r) => `${r.author}: ${r.text}`)).toEqual([
      'visitor: Is my parcel lost?',
      'operator: Let me look',
      'operator: Found it in the depot',
      'operator: It will reach you tomorrow',
    ]);
    const db = new Database(databasePath, { readonly: true });
    try {
      // The note was written between the two replies: after the message with seq 3.
      expect(db.prepare(`SELECT body AS text, after_seq AS afterSeq FROM conversation_notes`).all()).toEqual([
        { text: 'Depot in Leeds, ticket D-7', afterSeq: 3 },
      ]);
    } finally {
      db.close();
    }
    await context.close();
    await console.context().close();
  });
});

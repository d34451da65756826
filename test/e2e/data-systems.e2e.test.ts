import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { codeIn } from '../helpers/smtp';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');
const NARROW = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

function hmac(secret: string, t: string | number, body: string): string {
  return crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/**
 * A shop's webhook on loopback: it checks our signature, answers 202 ("working on it"), then POSTs a
 * signed receipt to the callback URL the request carries, as a system that erases in the background would.
 */
async function shopSystem(appUrl: string) {
  const shop = {
    url: '',
    secret: '',
    /** What our signature check found for each request received. */
    verified: [] as boolean[],
    /** The status of each callback the shop made. */
    callbacks: [] as number[],
    server: http.createServer(),
  };
  shop.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers['x-cw-signature'])) ?? [];
      shop.verified.push(!!t && v1 === hmac(shop.secret, t, body));
      res.writeHead(202).end();
      const callbackUrl = String(JSON.parse(body).data.receipt.callbackUrl).replace(/^https?:\/\/[^/]+/, appUrl);
      const receipt = JSON.stringify({ outcome: 'done', counts: { orders: 2 } });
      const now = Date.now();
      void fetch(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cw-signature': `t=${now},v1=${hmac(shop.secret, now, receipt)}` },
        body: receipt,
      }).then((r) => shop.callbacks.push(r.status));
    });
  });
  await new Promise<void>((resolve) => shop.server.listen(0, '127.0.0.1', () => resolve()));
  shop.url = `http://127.0.0.1:${(shop.server.address() as AddressInfo).port}/privacy`;
  return shop;
}

/** Resolves once no CSS transition or animation runs (the console's drawer slides when the width changes). */
const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

/**
 * Screenshots of the page at desktop width and at 390 px, back at desktop afterwards; with `part`, also of
 * that part alone (the console scrolls inside its main column, so a page shot shows only the top).
 */
async function shoot(page: Page, name: string, part?: Locator) {
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['390', NARROW],
  ] as const) {
    await page.setViewportSize(viewport);
    await settled(page);
    await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}-${size}.png`), fullPage: true });
    if (part) await part.screenshot({ path: path.join(OUTPUT_DIR, `${name}-part-${size}.png`) });
  }
  await page.setViewportSize(DESKTOP);
}

describe('data systems, end to end', () => {
  let app: TestApp;
  let browser: Browser;
  let shop: Awaited<ReturnType<typeof shopSystem>>;

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    shop = await shopSystem(app.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    shop?.server.closeAllConnections();
    await new Promise<void>((resolve) => (shop ? shop.server.close(() => resolve()) : resolve()));
    await app?.close();
  });

  test('an erasure reaches a webhook system and a processor; both answer; the operator completes it and the requester sees every system done', async () => {
    const operator = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    const visitor = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await signInOperator(operator, app.url, ADMIN.email, ADMIN.password);

    // The admin registers the two systems in Admin → Data systems.
    await operator.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Data systems' }).click();
    await operator.getByRole('heading', { name: 'No data systems yet' }).waitFor();
    await operator.getByRole('button', { name: 'Add a system' }).click();
    await operator.getByLabel('Name').fill('Shop');
    await operator.getByLabel('Owner’s e-mail (gets reminders)').fill('shop-owner@example.test');
    await operator.getByLabel('Purpose (what it holds, and why)').fill('Orders and deliveries');
    await operator.getByLabel('Webhook URL').fill(shop.url);
    await operator.getByRole('button', { name: 'Add the system' }).click();
    const secretBox = operator.getByRole('status', { name: 'Signing secret' });
    await secretBox.waitFor();
    shop.secret = ((await secretBox.locator('code').first().textContent()) ?? '').trim();
    expect(shop.secret.length).toBeGreaterThanOrEqual(32);
    await shoot(operator, 'console-data-systems-secret');

    await operator.getByRole('button', { name: 'Add a system' }).click();
    expect(await secretBox.count()).toBe(0);
    await operator.getByLabel('Name').fill('Payment processor');
    await operator.getByLabel('Owner’s e-mail (gets reminders)').fill('finance@example.test');
    await operator.getByLabel('Processor, by e-mail').check();
    await operator.getByLabel('Processor’s contact address').fill('dpo@processor.test');
    await operator.getByRole('button', { name: 'Add the system' }).click();
    await operator.getByText('Payment processor is added.').waitFor();

    await operator.getByRole('button', { name: 'Add a system' }).click();
    await operator.getByLabel('Name').fill('Accounting archive');
    await operator.getByLabel('Owner’s e-mail (gets reminders)').fill('finance@example.test');
    await operator.getByLabel('Access (copy)').uncheck();
    await operator.getByLabel('Manual task for an operator').check();
    await operator.getByLabel('Operator who carries out the task').selectOption({ index: 1 });
    await shoot(operator, 'console-data-systems-form', operator.getByRole('region', { name: 'Add a data system' }));
    await operator.getByRole('button', { name: 'Add the system' }).click();
    await operator.getByText('Accounting archive is added.').waitFor();

    // A system whose webhook cannot be reached: nothing listens on its port.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await operator.getByRole('button', { name: 'Add a system' }).click();
    await operator.getByLabel('Name').fill('Newsletter tool');
    await operator.getByLabel('Owner’s e-mail (gets reminders)').fill('marketing@example.test');
    await operator.getByLabel('Webhook URL').fill(`http://127.0.0.1:${deadPort}/hook`);
    await operator.getByRole('button', { name: 'Add the system' }).click();
    await operator
      .getByRole('status', { name: 'Signing secret' })
      .getByText(/Newsletter tool/)
      .waitFor();
    const table = operator.getByRole('table');
    await table.getByRole('row').filter({ hasText: 'Shop' }).getByText(`Webhook: ${shop.url}`).waitFor();
    await table.getByRole('row').filter({ hasText: 'Payment processor' }).getByText('Mail to dpo@processor.test').waitFor();
    const archiveRow = table.getByRole('row').filter({ hasText: 'Accounting archive' });
    await archiveRow.getByText(/^Task for /).waitFor();
    expect(await archiveRow.getByText('Access (copy)').count()).toBe(0);
    await shoot(operator, 'console-data-systems');

    // The visitor files an erasure in the widget, confirming the address with the mailed code.
    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByRole('button', { name: 'Privacy & my data' }).click();
    await visitor.getByRole('button', { name: 'Delete my data' }).click();
    const email = 'mira@example.test';
    await visitor.getByLabel('E-mail the data is held under').fill(email);
    await visitor.getByRole('button', { name: 'Send me a code' }).click();
    await visitor.getByLabel('Verification code').fill(codeIn(await app.smtp.waitFor(email)));
    await visitor.getByRole('button', { name: 'Confirm' }).click();
    const filed = visitor.getByRole('group', { name: /^Reference PR-\d{4}-\d{6}$/ });
    await filed.waitFor();
    const reference = (await filed.getByText(/^PR-\d{4}-\d{6}$/).textContent())!.trim();
    // Systems are reached when work starts, not before.
    await filed.getByText('Received', { exact: true }).waitFor();
    expect(await filed.getByRole('list', { name: 'Our systems' }).count()).toBe(0);

    // The operator starts it: the shop's webhook and the processor's mail go out.
    await operator.getByRole('link', { name: /^Privacy requests/ }).click();
    await operator.getByRole('link', { name: reference }).click();
    await operator.getByRole('heading', { name: new RegExp(`^${reference}`) }).waitFor();
    await operator.getByRole('button', { name: 'Start work' }).click();
    const rows = operator.getByRole('list', { name: 'Data systems' });
    // The shop answers 202, then its signed receipt at the callback: its row turns "Erased" live.
    const shopRow = rows.getByRole('listitem', { name: 'Shop: Erased' });
    await shopRow.waitFor();
    expect(shop.verified).toEqual([true]);
    expect(shop.callbacks).toEqual([200]);
    await shopRow.getByText(/^Answered by webhook receipt \(callback\)/).waitFor();
    // The processor has not answered: completing is held back, and says why.
    const processorRow = rows.getByRole('listitem', { name: 'Payment processor: Pending' });
    await processorRow.getByRole('button', { name: 'Enter outcome for Payment processor' }).waitFor();
    const complete = operator.getByRole('button', { name: 'Complete: erase the data' });
    expect(await complete.isDisabled()).toBe(true);
    await operator.getByText(/^Completing waits for .*Payment processor \(no answer yet\)/).waitFor();
    await operator
      .getByTestId('systems-progress')
      .getByText(/^1 of 4 systems answered/)
      .waitFor();
    await shoot(operator, 'console-request-systems', operator.locator('cw-privacy-systems'));
    await filed.getByText('1 of 4 systems done').waitFor();

    // Five days before the deadline a system that has not answered is loud (the due date arranged in the
    // database, as time passing would; the page read again).
    app.db.prepare('UPDATE privacy_requests SET due_at = ? WHERE reference = ?').run(Date.now() + 5 * 24 * 3600_000, reference);
    await operator.reload();
    await rows
      .getByRole('listitem', { name: 'Payment processor: Pending' })
      .getByText(/^No answer yet; the request is due /)
      .waitFor();
    expect(
      await rows
        .getByRole('listitem', { name: 'Shop: Erased' })
        .getByText(/^No answer yet/)
        .count(),
    ).toBe(0);

    // The processor answers on the page its one-time link opens.
    const mail = await app.smtp.waitFor('dpo@processor.test', (m) => /\/privacy\/processor\//.test(m.body));
    expect(mail.body).not.toContain(shop.secret);
    const [link] = /https?:\/\/\S+\/privacy\/processor\/\S+/.exec(mail.body)!;
    const processor = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await processor.goto(link.replace(/^https?:\/\/[^/]+/, app.url));
    await processor.getByLabel('Erased').check();
    await processor.getByLabel('What you did or checked, and where (required)').fill('Card tokens for this customer deleted in the vault');
    await shoot(processor, 'processor-page');
    await processor.getByRole('button', { name: 'Send the outcome' }).click();
    await processor.getByText('The outcome for Payment processor is recorded.', { exact: false }).waitFor();

    // The console shows the processor's answer live and lets the operator complete.
    const processorDone = rows.getByRole('listitem', { name: 'Payment processor: Erased' });
    await processorDone.getByText('Card tokens for this customer deleted in the vault').waitFor();
    await processorDone.getByText(/^Answered by processor \(dpo@processor\.test\)/).waitFor();
    // The unreachable system's row is loud with the delivery error and when it is tried next.
    const newsletter = rows.getByRole('listitem', { name: 'Newsletter tool: Pending' });
    await newsletter
      .getByRole('alert')
      .getByText(/^Delivery failed \(connection failed\); trying again at /)
      .waitFor();
    // Its retries give up (arranged in the database, as an hour of failures would; no delivery pass is
    // running when it is written): the row says so and offers to send it again.
    await app.app.services.dataSystems.tick();
    app.db.prepare(`UPDATE request_systems SET attempts = 6, next_attempt_at = NULL WHERE name = 'Newsletter tool'`).run();
    await operator.reload();
    await newsletter
      .getByRole('alert')
      .getByText(/^Not reached after 6 attempts \(connection failed\)\. Send it again/)
      .waitFor();
    await shoot(operator, 'console-request-system-unreached', operator.locator('cw-privacy-systems'));
    await newsletter.getByRole('button', { name: 'Send the request to Newsletter tool again' }).click();
    // Still down: the attempt's outcome is in the answer, and the retries start over.
    await newsletter
      .getByRole('alert')
      .getByText(/^Delivery failed \(connection failed\); trying again at /)
      .waitFor();
    expect(await newsletter.getByRole('button', { name: 'Send the request to Newsletter tool again' }).count()).toBe(0);
    // The operator answers for it instead.
    await rows.getByRole('button', { name: 'Enter outcome for Newsletter tool' }).click();
    const newsletterEntry = rows.getByRole('form', { name: 'Outcome for Newsletter tool' });
    await newsletterEntry.getByLabel('Outcome').selectOption('not_found');
    await newsletterEntry
      .getByLabel('Evidence (what was done, where it can be checked)')
      .fill('Searched the list export: no subscriber with this address');
    await newsletterEntry.getByRole('button', { name: 'Record the outcome' }).click();
    await rows
      .getByRole('listitem', { name: 'Newsletter tool: Not found' })
      .getByText(/^Answered by operator #/)
      .waitFor();

    await operator.getByText(/^Completing waits for Accounting archive \(no answer yet\)/).waitFor();
    expect(await complete.isDisabled()).toBe(true);

    // The archive is an operator's task: its outcome, with the legal basis for keeping and evidence, is entered here.
    await rows.getByRole('button', { name: 'Enter outcome for Accounting archive' }).click();
    const entry = rows.getByRole('form', { name: 'Outcome for Accounting archive' });
    await entry.getByLabel('Outcome').selectOption('kept');
    await entry.getByRole('button', { name: 'Record the outcome' }).click();
    await operator.getByRole('alert').getByText('Choose the legal basis on which Accounting archive keeps the data.').waitFor();
    await entry.getByLabel('Legal basis for keeping it').selectOption('fz152_law');
    await entry.getByRole('button', { name: 'Record the outcome' }).click();
    await operator.getByRole('alert').getByText('Write the evidence for Accounting archive').waitFor();
    await entry
      .getByLabel('Evidence (what was done, where it can be checked)')
      .fill('Invoices stay 5 years in the ledger, access restricted');
    await shoot(operator, 'console-request-outcome-form', operator.locator('cw-privacy-systems'));
    await entry.getByRole('button', { name: 'Record the outcome' }).click();
    const archiveKept = rows.getByRole('listitem', { name: 'Accounting archive: Kept' });
    await archiveKept.getByText(/Storage required by a federal law/).waitFor();
    await archiveKept.getByText('Invoices stay 5 years in the ledger, access restricted').waitFor();
    await archiveKept.getByText(/^Answered by operator #/).waitFor();
    expect(await operator.getByText(/^Completing waits for/).count()).toBe(0);
    await complete.click();
    const confirm = operator.getByRole('dialog', { name: `Erase the data of ${reference}?` });
    await confirm.getByRole('button', { name: 'Erase the data' }).click();
    await operator.getByText(`${reference} is now completed.`).waitFor();
    await operator.getByRole('link', { name: 'Printable record (HTML)' }).waitFor();
    await shoot(operator, 'console-request-completed', operator.locator('cw-privacy-systems'));

    // The requester's "My requests": completed, every system done, in plain words.
    await filed.getByText('Completed', { exact: true }).waitFor();
    await filed.getByText('4 of 4 systems done').waitFor();
    const systems = filed.getByRole('list', { name: 'Our systems' });
    expect(await systems.getByRole('listitem').count()).toBe(4);
    await systems.getByRole('listitem').filter({ hasText: 'Newsletter tool' }).getByText('No data about you there').waitFor();
    expect(await systems.locator('li[data-state="done"]').count()).toBe(2);
    await systems.getByRole('listitem').filter({ hasText: 'Payment processor' }).getByText('Erased').waitFor();
    await systems
      .getByRole('listitem')
      .filter({ hasText: 'Accounting archive' })
      .getByText('Kept, as the law requires: Storage required by a federal law', { exact: false })
      .waitFor();
    await shoot(visitor, 'widget-request-systems', filed);

    const states = app.db
      .prepare(`SELECT s.state FROM request_systems s JOIN privacy_requests r ON r.id = s.request_id WHERE r.reference = ? ORDER BY s.name`)
      .all(reference);
    expect(states).toEqual([{ state: 'kept' }, { state: 'not_found' }, { state: 'done' }, { state: 'done' }]);

    // Removing a system asks first; the register then lists the other two.
    await operator.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Data systems' }).click();
    await operator.getByRole('button', { name: 'Remove Shop' }).click();
    const ask = operator.getByRole('dialog', { name: 'Remove Shop?' });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect(await operator.getByRole('table').getByRole('row').filter({ hasText: 'Shop' }).count()).toBe(1);
    await operator.getByRole('button', { name: 'Remove Shop' }).click();
    await ask.getByRole('button', { name: 'Remove the system' }).click();
    await operator.getByText('Shop is removed from the register.').waitFor();
    expect(await operator.getByRole('table').getByRole('row').filter({ hasText: 'Shop' }).count()).toBe(0);
    expect(await operator.getByRole('table').getByRole('row').count()).toBe(4);
  });
});

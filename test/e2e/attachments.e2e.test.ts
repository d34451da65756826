import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ATTACHMENT_TYPES } from '../../shared/attachments';
import { launchBrowser, signInOperator } from '../helpers/browser';
import { pdf, png } from '../helpers/files';
import { TestS3 } from '../helpers/s3';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app';

const OUTPUT_DIR = path.resolve('test-output');
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

/** True once the image has really loaded (a broken or blocked image has no natural size). */
const loaded = (img: Locator) => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0);

/** Which element has the focus, looking through shadow roots: its accessible label, if any. */
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.getAttribute('aria-label') ?? el?.tagName ?? null;
  });

describe('attachments between the widget and the console', () => {
  let app: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let visitor: Page;
  let admin: Page;

  beforeAll(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public') });
    // A small limit, so the test can pass it with a small file.
    await app.app.services.attachments.saveSettings({ id: 1 }, { maxMb: 1, types: [...ATTACHMENT_TYPES] });
    browser = await launchBrowser();
    const page = async () => {
      const c = await browser.newContext({ viewport: desktop });
      contexts.push(c);
      return c.newPage();
    };
    admin = await page();
    visitor = await page();
    await signInOperator(admin, app.url, ADMIN.email, ADMIN.password);
    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByText('We are online').waitFor();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await app?.close();
  });

  test('a visitor attaches a PNG with the paperclip; the operator sees the thumbnail load and opens it in the viewer', async () => {
    const composer = visitor.getByLabel('Message');
    await composer.fill('Here is my receipt');
    await composer.press('Enter');
    await visitor.getByRole('button', { name: 'Attach a file' }).waitFor();
    await visitor.locator('input[type=file]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: png(120, 80) });

    // Sent, not pending: the visitor's own thumbnail loads from a signed link.
    const own = visitor.getByRole('button', { name: 'Open image: receipt.png' }).locator('img');
    await own.waitFor();
    await expect.poll(() => loaded(own)).toBe(true);
    await visitor.locator('[data-pending]').waitFor({ state: 'detached' });
    // The visitor's viewer: Esc closes it, not the chat, and the thumbnail has the focus again.
    await visitor.getByRole('button', { name: 'Open image: receipt.png' }).click();
    const ownDialog = visitor.getByRole('dialog', { name: 'receipt.png' });
    await expect.poll(() => loaded(ownDialog.getByRole('img', { name: 'receipt.png' }))).toBe(true);
    await ownDialog.getByRole('button', { name: 'Close', exact: true }).waitFor();
    await visitor.keyboard.press('Escape');
    await ownDialog.waitFor({ state: 'detached' });
    expect(await focusedLabel(visitor)).toBe('Open image: receipt.png');
    await visitor.getByLabel('Message').waitFor();

    // The paperclip is an icon with a name (the thumbnail's button is named by its aria-label too).
    const clip = visitor.getByRole('button', { name: 'Attach a file' });
    expect(await clip.locator('svg[aria-hidden=true]').count()).toBe(1);

    // The inbox preview names the file of a message that is only a file.
    const row = admin.getByRole('button', { name: /^Conversation with Visitor/ });
    await row.getByText('receipt.png').waitFor();
    expect(await row.locator('.preview svg').count()).toBe(1);
    await row.click();
    const thumb = admin.getByRole('log', { name: 'Messages' }).getByRole('button', { name: 'Open image: receipt.png' });
    const img = thumb.locator('img');
    await img.waitFor();
    await expect.poll(() => loaded(img)).toBe(true);
    expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(120);
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'attachments-console.png') });

    await thumb.click();
    const dialog = admin.getByRole('dialog', { name: 'receipt.png' });
    await dialog.waitFor();
    const full = dialog.getByRole('img', { name: 'receipt.png' });
    await expect.poll(() => loaded(full)).toBe(true);
    expect(await dialog.getByRole('link', { name: /^Download/ }).getAttribute('href')).toMatch(/\/api\/attachments\/[\w-]+\?e=\d+&s=/);
    // Focus is inside the dialog, on its close button; Tab stays inside (the rest of the page is inert).
    expect(await focusedLabel(admin)).toBe('Close');
    await admin.keyboard.press('Tab');
    await admin.keyboard.press('Tab');
    expect(['Close', 'A']).toContain(await focusedLabel(admin));
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'attachments-viewer.png') });
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focusedLabel(admin)).toBe('Open image: receipt.png');
  });

  test('the operator attaches a PDF; the visitor sees a named link with its size', async () => {
    await admin.locator('input[type=file]').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf() });
    await admin.getByRole('log', { name: 'Messages' }).getByRole('link', { name: 'invoice.pdf' }).waitFor();
    const link = visitor.getByRole('log').getByRole('link', { name: 'invoice.pdf' });
    await link.waitFor();
    await expect.poll(() => link.getAttribute('href')).toMatch(/\/api\/attachments\/[\w-]+\?e=\d+&s=/);
    // The link works: the file comes back as a download, byte for byte.
    const res = await fetch((await link.getAttribute('href'))!);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf())).toBe(true);
    expect(await link.locator('xpath=..').textContent()).toMatch(/invoice\.pdf \d+(\.\d)? kB/);
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'attachments-widget.png') });
  });

  test('a pasted screenshot and a file dropped on the panel are sent too; the drop hint shows while a file is dragged over', async () => {
    const bytes = png(30, 20).toString('base64');
    const handles = visitor.locator('cw-chat-widget');
    await handles.evaluate((host, b64) => {
      const file = (name: string) => {
        const data = new DataTransfer();
        data.items.add(new File([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], name, { type: 'image/png' }));
        return data;
      };
      const panel = host.shadowRoot!.querySelector('cw-chat-panel')!.shadowRoot!;
      const textarea = panel.querySelector('textarea')!;
      textarea.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: file('pasted.png'), bubbles: true, composed: true, cancelable: true }),
      );
      const section = panel.querySelector('section')!;
      (window as unknown as { __drag: () => void }).__drag = () =>
        section.dispatchEvent(new DragEvent('dragenter', { dataTransfer: file('dropped.png'), bubbles: true, cancelable: true }));
      (window as unknown as { __drop: () => void }).__drop = () =>
        section.dispatchEvent(new DragEvent('drop', { dataTransfer: file('dropped.png'), bubbles: true, cancelable: true }));
    }, bytes);
    await visitor.getByRole('button', { name: 'Open image: pasted.png' }).locator('img').waitFor();
    await visitor.evaluate(() => (window as unknown as { __drag: () => void }).__drag());
    await visitor.getByText('Drop the file here to send it').waitFor();
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'attachments-drop-hint.png') });
    await visitor.evaluate(() => (window as unknown as { __drop: () => void }).__drop());
    await visitor.getByText('Drop the file here to send it').waitFor({ state: 'detached' });
    await visitor.getByRole('button', { name: 'Open image: dropped.png' }).locator('img').waitFor();
    const names = app.db.prepare('SELECT name FROM attachments ORDER BY id').pluck().all();
    expect(names).toEqual(['receipt.png', 'invoice.pdf', 'pasted.png', 'dropped.png']);
  });

  test('a file over the limit is refused in the widget with the limit named, and nothing is uploaded', async () => {
    const stored = () => app.db.prepare('SELECT count(*) FROM attachments').pluck().get();
    const before = stored();
    await visitor
      .locator('input[type=file]')
      .setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(1024 * 1024 + 1) });
    await visitor.getByRole('alert').getByText('This file is too large. The limit is 1 MB.').waitFor();
    await visitor.locator('input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await visitor.getByRole('alert').getByText('This kind of file cannot be sent. Allowed: JPEG, PNG, GIF, WEBP, PDF.').waitFor();
    expect(await visitor.locator('[data-pending]').count()).toBe(0);
    expect(stored()).toBe(before);
  });

  test('a file the server refuses shows as not sent with its reason, Retry and Remove, like a refused message', async () => {
    // Named and typed as a PNG, so the widget lets it go; the server reads the bytes and refuses it.
    await visitor
      .locator('input[type=file]')
      .setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('<html>not an image</html>') });
    const pending = visitor.locator('[data-pending]');
    await pending.getByText(/Not sent · This kind of file cannot be attached\. Allowed: /).waitFor();
    expect(await pending.getByText('fake.png').count()).toBe(1);
    await pending.getByRole('button', { name: 'Retry' }).click();
    await pending.getByText(/Not sent · This kind of file cannot be attached/).waitFor();
    await pending.getByRole('button', { name: 'Remove' }).click();
    await pending.waitFor({ state: 'detached' });
  });

  test('at 390 px the composer keeps its attach button and the thumbnails fit', async () => {
    await visitor.setViewportSize(phone);
    await admin.setViewportSize(phone);
    await visitor.getByRole('button', { name: 'Attach a file' }).waitFor();
    const thumb = visitor.getByRole('button', { name: 'Open image: receipt.png' });
    const box = await thumb.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= phone.width).toBe(true);
    await visitor.screenshot({ path: path.join(OUTPUT_DIR, 'attachments-widget-390.png') });
    await admin.screenshot({ path: path.join(OUTPUT_DIR, 'attachments-console-390.png') });
  });
});

describe('attachments kept in an S3-compatible bucket', () => {
  let s3: TestS3;
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    s3 = await new TestS3().start();
    app = await startTestApp({ bundleDir: path.resolve('dist/test-public'), env: s3.env('e2e/') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await s3?.stop();
  });

  test("a visitor's image goes to the bucket; the operator's thumbnail and viewer load it from there", async () => {
    const admin = await (await browser.newContext({ viewport: desktop })).newPage();
    const visitor = await (await browser.newContext({ viewport: desktop })).newPage();
    await signInOperator(admin, app.url, ADMIN.email, ADMIN.password);
    await visitor.goto(`${app.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByLabel('Message').fill('The damaged parcel');
    await visitor.getByLabel('Message').press('Enter');
    await visitor.locator('input[type=file]').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: png(96, 64) });
    const own = visitor.getByRole('button', { name: 'Open image: parcel.png' }).locator('img');
    await own.waitFor();
    await expect.poll(() => loaded(own)).toBe(true);
    const [key] = await s3.objects('e2e/');
    expect(await s3.object(key)).toEqual(png(96, 64));
    expect(fs.existsSync(path.join(app.dir, 'attachments'))).toBe(false);

    await admin.getByRole('button', { name: /^Conversation with Visitor/ }).click();
    const thumb = admin.getByRole('log', { name: 'Messages' }).getByRole('button', { name: 'Open image: parcel.png' });
    await expect.poll(() => loaded(thumb.locator('img'))).toBe(true);
    expect(await thumb.locator('img').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(96);
    await thumb.click();
    const full = admin.getByRole('dialog', { name: 'parcel.png' }).getByRole('img', { name: 'parcel.png' });
    await expect.poll(() => loaded(full)).toBe(true);
  });
});

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LINK_TTL_MS } from '../../server/attachments/attachment-service';
import { backupDatabase } from '../../server/db/backup';
import { DEFAULT_ATTACHMENT_SETTINGS } from '../../shared/attachments';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { GPS_MARK, jpegWithGps, pdf, png } from '../helpers/files';
import { privacySuite } from '../helpers/privacy';
import { linkIn } from '../helpers/smtp';
import { errorCode, unwrap } from '../helpers/sockets';
import { call, ok, signIn } from '../helpers/test-app';
import { attachmentOf, sendImages, uploadFile, visitorSend } from '../helpers/uploads';

const { s, newVisitor, operator, fileVerified, act, mailTo } = privacySuite();

/** Posts `body` as a visitor (by token) or an operator (by cookie); returns the status and JSON answer. */
const upload = (body: Buffer, auth: Parameters<typeof uploadFile>[2], options?: Parameters<typeof uploadFile>[3]) =>
  uploadFile(s.t.url, body, auth, options);

const storeDir = () => path.join(s.t.dir, 'attachments');
const storedFiles = () => fs.readdirSync(storeDir()).filter((f) => !f.startsWith('.'));

describe('uploads', () => {
  test('a file over the size limit is refused while it streams in, before the whole body was sent', async () => {
    const { token } = await newVisitor();
    await ok(await operator(), OperatorEvent.attachmentSettingsSave, { maxMb: 1, types: ['image/png'] });
    const total = 40; // chunks of 256 KiB: 10 MiB, against a 1 MiB limit
    const chunk = Buffer.alloc(256 * 1024, 7);
    const result = await new Promise<{ status: number; body: string; written: number }>((resolve, reject) => {
      let written = 0;
      const req = http.request(`${s.t.url}/api/attachments?clientId=big-file-01&name=big.png`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, written }));
      });
      req.on('error', reject);
      const pump = () => {
        while (written < total) {
          written++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.message).toBe('The file is larger than 1 MB.');
    expect(result.written).toBeLessThan(total);
    expect(storedFiles()).toEqual([]);
  });

  test('a declared size over the limit is refused without reading the body', async () => {
    const { token } = await newVisitor();
    const refused = await upload(Buffer.alloc(11 * 1024 * 1024, 1), { token });
    expect(refused.status).toBe(413);
  });

  test('the type comes from the bytes: HTML or an executable named .png is refused with a clear error', async () => {
    const { token } = await newVisitor();
    const html = await upload(Buffer.from('<!doctype html><script>alert(1)</script>'), { token }, { name: 'cute.png' });
    expect(html.status).toBe(400);
    expect(html.json.ok || html.json.error.message).toBe('This kind of file cannot be attached. Allowed: JPEG, PNG, GIF, WebP, PDF.');
    const exe = await upload(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), { token }, { name: 'cat.png' });
    expect(exe.status).toBe(400);
    expect(storedFiles()).toEqual([]);
    // A type the admin switched off is refused too, though it is a real one.
    await ok(await operator(), OperatorEvent.attachmentSettingsSave, { maxMb: 10, types: ['image/png'] });
    const refusedPdf = await upload(pdf(), { token }, { name: 'doc.pdf' });
    expect(refusedPdf.json.ok || refusedPdf.json.error.message).toBe('This kind of file cannot be attached. Allowed: PNG.');
  });

  test('GPS EXIF, XMP and comments are gone from a stored JPEG and PNG; the image data is kept', async () => {
    const { token } = await newVisitor();
    const { file, scan } = jpegWithGps();
    expect(file.includes(GPS_MARK)).toBe(true);
    const jpeg = attachmentOf(await upload(file, { token }, { name: 'IMG_0001.jpg' }));
    expect(jpeg.type).toBe('image/jpeg');
    const pngFile = png(4, 4, { metadata: true });
    const image = attachmentOf(await upload(pngFile, { token }, { name: 'screen.png' }));
    const stored = storedFiles().map((f) => fs.readFileSync(path.join(storeDir(), f)));
    expect(stored).toHaveLength(2);
    for (const bytes of stored) {
      expect(bytes.includes(GPS_MARK)).toBe(false);
      expect(bytes.includes('Exif')).toBe(false);
      expect(bytes.includes('eXIf')).toBe(false);
      expect(bytes.includes('tEXt')).toBe(false);
      expect(bytes.includes('tIME')).toBe(false);
    }
    const storedJpeg = stored.find((b) => b[0] === 0xff)!;
    expect(storedJpeg.includes(scan)).toBe(true);
    expect(storedJpeg.includes('ICC_PROFILE')).toBe(true);
    expect(storedJpeg.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(stored.find((b) => b[0] === 0x89)!).toEqual(png(4, 4));
    expect(image.size).toBe(png(4, 4).length);
  });

  test('a resend with the same client id stores the file once and answers the same', async () => {
    const { token } = await newVisitor();
    const first = attachmentOf(await upload(png(2, 2), { token }, { clientId: 'same-upload-1' }));
    const again = attachmentOf(await upload(png(2, 2), { token }, { clientId: 'same-upload-1' }));
    expect(again).toEqual(first);
    expect(storedFiles()).toHaveLength(1);
    expect(s.t.db.prepare('SELECT count(*) FROM attachments').pluck().get()).toBe(1);
    const other = await upload(png(3, 3), { token }, { clientId: 'same-upload-1' });
    expect(other.status).toBe(409);
    expect(storedFiles()).toHaveLength(1);
  });

  test('without a visitor token or an operator session an upload is refused', async () => {
    const res = await fetch(`${s.t.url}/api/attachments?clientId=anon-upload&name=a.png`, {
      method: 'POST',
      body: new Uint8Array(png(1, 1)),
    });
    expect(res.status).toBe(401);
  });
});

describe('limits in the widget', () => {
  test("a visitor's hello carries the admin's limits, and a changed limit reaches the next hello", async () => {
    const { socket } = await newVisitor();
    await ok(await operator(), OperatorEvent.attachmentSettingsSave, { maxMb: 3, types: ['image/png', 'application/pdf'] });
    const hello = await ok(socket, VisitorEvent.hello, {});
    expect(hello.attachments).toEqual({ maxMb: 3, types: ['image/png', 'application/pdf'] });
    await ok(await operator(), OperatorEvent.attachmentSettingsSave, { maxMb: 10, types: ['image/jpeg'] });
    expect((await ok(socket, VisitorEvent.hello, { token: hello.token })).attachments).toEqual({ maxMb: 10, types: ['image/jpeg'] });
    await ok(await operator(), OperatorEvent.attachmentSettingsSave, DEFAULT_ATTACHMENT_SETTINGS);
  });
});

describe('sending and reading', () => {
  test("a visitor's image reaches the operator as a message; the link works for both, not for another visitor", async () => {
    const alice = await newVisitor();
    const mallory = await newVisitor();
    const op = await operator();
    const attachment = attachmentOf(await upload(png(4, 4), { token: alice.token }));
    const { message } = await visitorSend(alice.socket, { clientId: 'msg-with-file', attachmentId: attachment.id });
    expect(message.attachment).toEqual(attachment);
    expect(message.text).toBe('');
    const opened = await ok(op, OperatorEvent.conversationOpen, { conversationId: message.conversationId });
    expect(opened.messages.at(-1)?.attachment).toEqual(attachment);
    expect(opened.conversation.lastMessagePreview).toBe('📎 photo.png');

    const forOperator = await ok(op, OperatorEvent.attachmentLink, { attachmentId: attachment.id });
    const served = await fetch(forOperator.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''photo.png");
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png(4, 4));
    const forAlice = await ok(alice.socket, VisitorEvent.attachmentLink, { attachmentId: attachment.id });
    expect((await fetch(forAlice.url)).status).toBe(200);

    expect(errorCode(await call(mallory.socket, VisitorEvent.attachmentLink, { attachmentId: attachment.id }))).toBe('not_found');
    // Nor can another visitor send Alice's file as their own message.
    const stolen = await call(mallory.socket, VisitorEvent.messageSend, { clientId: 'steal-file-1', attachmentId: attachment.id });
    expect(errorCode(stolen)).toBe('not_found');
    // A resend of Alice's message is answered the same and stored once.
    const resend = await visitorSend(alice.socket, { clientId: 'msg-with-file', attachmentId: attachment.id });
    expect(resend.message.id).toBe(message.id);
  });

  test('a link refuses once it expired, and a changed signature or id is refused', async () => {
    const { token, socket } = await newVisitor();
    const attachment = attachmentOf(await upload(png(2, 2), { token }));
    const { url } = await ok(socket, VisitorEvent.attachmentLink, { attachmentId: attachment.id });
    const tampered = url.replace(/s=([^&]+)/, (_m, sig: string) => `s=${sig.slice(0, -2)}AA`);
    expect((await fetch(tampered)).status).toBe(403);
    const longer = url.replace(/e=(\d+)/, (_m, e: string) => `e=${Number(e) + 60_000}`);
    expect((await fetch(longer)).status).toBe(403);
    s.clock.advance(LINK_TTL_MS + 1);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  test("an operator's PDF is served as a download in a sandbox, never as a page", async () => {
    const { socket } = await newVisitor();
    const { message: hello } = await visitorSend(socket, { clientId: 'hello-pdf-1', text: 'Send me the invoice' });
    const op = await operator();
    const cookie = await signIn(s.t.url);
    const file = attachmentOf(await upload(pdf(), { cookie, conversationId: hello.conversationId }, { name: 'invoice "May".pdf' }));
    expect(file).toMatchObject({ type: 'application/pdf', name: 'invoice May.pdf' });
    const sent = await ok(op, OperatorEvent.messageSend, {
      conversationId: hello.conversationId,
      clientId: 'op-pdf-1',
      text: 'Here it is',
      attachmentId: file.id,
    });
    expect(sent.message.attachment?.id).toBe(file.id);
    const { url } = await ok(socket, VisitorEvent.attachmentLink, { attachmentId: file.id });
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''invoice%20May.pdf");
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });
});

describe('privacy and retention', () => {
  test('erasure deletes the files from disk and counts them in the destruction record', async () => {
    const alice = await newVisitor();
    const bob = await newVisitor();
    await sendImages(
      s.t.url,
      [
        [alice, 2],
        [bob, 1],
      ],
      2,
    );
    expect(storedFiles()).toHaveLength(3);
    await ok(alice.socket, VisitorEvent.contactLeave, { email: 'alice@example.test' });
    const { id } = await fileVerified(alice.socket, 'erasure', 'alice@example.test');
    const preview = await ok(await operator(), OperatorEvent.privacyPreview, { id });
    expect(preview.preview.attachments).toBe(2);
    await act(id, 'start');
    const done = unwrap(await act(id, 'complete')).request;
    expect(done.result).toMatchObject({ attachments: 2 });
    // The files went before the acknowledgement; their keys are forgotten by the write that follows it.
    expect(storedFiles()).toHaveLength(1);
    await s.t.app.services.attachments.reap();
    expect(s.t.db.prepare('SELECT count(*) FROM attachment_trash').pluck().get()).toBe(0);
  });

  test('an access export carries the files themselves', async () => {
    const alice = await newVisitor();
    const a = attachmentOf(await upload(png(3, 3), { token: alice.token }, { name: 'receipt.png' }));
    await visitorSend(alice.socket, { clientId: 'file-for-export', text: 'my receipt', attachmentId: a.id });
    await ok(alice.socket, VisitorEvent.contactLeave, { email: 'alice@example.test' });
    const { id } = await fileVerified(alice.socket, 'access', 'alice@example.test');
    await act(id, 'start');
    expect(unwrap(await act(id, 'complete')).request.result).toMatchObject({ attachments: 1 });
    const res = await fetch(linkIn(await mailTo('alice@example.test', /data is ready/i)));
    const data = (await res.json()) as {
      visitors: Array<{ conversation: { messages: Array<{ attachment?: string }>; attachments: Array<Record<string, unknown>> } }>;
    };
    const conversation = data.visitors[0].conversation;
    expect(conversation.messages.some((m) => m.attachment === a.id)).toBe(true);
    expect(conversation.attachments).toEqual([
      expect.objectContaining({ id: a.id, name: 'receipt.png', type: 'image/png', contentBase64: png(3, 3).toString('base64') }),
    ]);
  });

  test('retention deletes expired conversations’ files and uploads never sent', async () => {
    const old = await newVisitor();
    const a = attachmentOf(await upload(png(2, 2), { token: old.token }));
    const { message } = await visitorSend(old.socket, { clientId: 'old-file-1', attachmentId: a.id });
    const op = await operator();
    await ok(op, OperatorEvent.conversationResolve, { conversationId: message.conversationId });
    const idle = await newVisitor();
    attachmentOf(await upload(png(3, 2), { token: idle.token }));
    expect(storedFiles()).toHaveLength(2);
    s.clock.advance((s.t.config.retentionDays + 1) * 24 * 60 * 60 * 1000);
    const counts = await s.t.app.services.retention.run();
    expect(counts).toMatchObject({ attachments: 1, unsentAttachments: 1 });
    expect(storedFiles()).toEqual([]);
  });
});

describe('backup', () => {
  test('a backup copies the attachments its database names beside it', async () => {
    const { token, socket } = await newVisitor();
    const a = attachmentOf(await upload(png(5, 5), { token }));
    await visitorSend(socket, { clientId: 'backup-file-1', attachmentId: a.id });
    const target = path.join(s.t.dir, 'backup', 'chat-backup.db');
    fs.mkdirSync(path.dirname(target));
    const result = await backupDatabase(s.t.config.databasePath, target);
    expect(result.attachments).toBe(1);
    const copied = fs.readdirSync(`${target}.attachments`);
    expect(copied).toEqual(storedFiles());
    expect(fs.readFileSync(path.join(`${target}.attachments`, copied[0]))).toEqual(png(5, 5));
  });
});

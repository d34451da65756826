/**
 * Attachments in an S3-compatible bucket: a real S3 server on loopback (s3rver, the S3 REST API over files
 * in a temp directory) and the real app configured with ATTACHMENT_S3_*. The bucket is read back through
 * the S3 API itself, not through our store.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { S3AttachmentStore, parseListing } from '../../server/attachments/s3-attachment-store';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db/open';
import { createWriteProcedures } from '../../server/writer/procedures';
import { InlineWriter } from '../../server/writer/inline';
import { startApp } from '../../server/app';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { AppError } from '../../shared/errors';
import { jpegWithGps, GPS_MARK, png } from '../helpers/files';
import { privacyHelpers } from '../helpers/privacy';
import { linkIn } from '../helpers/smtp';
import { socketTracker, unwrap } from '../helpers/sockets';
import { ok, startTestApp, TestClock, type TestApp } from '../helpers/test-app';
import { TestS3 } from '../helpers/s3';
import { attachmentOf, sendImages, uploadFile, visitorSend } from '../helpers/uploads';

let s3: TestS3;
let runs = 0;
let prefix = '';
let t: TestApp;
const sockets = socketTracker();
const { newVisitor, operator, fileVerified, act, mailTo, forgetOperator } = privacyHelpers(() => t, sockets);

const s3Env = (extra: Record<string, string> = {}) => s3.env(prefix, extra);
const bucketObjects = () => s3.objects(prefix);
const upload = (body: Buffer, auth: Parameters<typeof uploadFile>[2], options?: Parameters<typeof uploadFile>[3]) =>
  uploadFile(t.url, body, auth, options);

beforeAll(async () => {
  s3 = await new TestS3().start();
});

afterAll(() => s3.stop());

describe('with the bucket configured', () => {
  beforeEach(async () => {
    prefix = `run-${++runs}/files/`;
    t = await startTestApp({ clock: new TestClock(), env: s3Env() });
  });

  afterEach(async () => {
    sockets.closeAll();
    forgetOperator();
    await t.close();
  });

  test('an upload is stored in the bucket, stripped of its metadata, once per client id; the signed link serves it from there', async () => {
    const alice = await newVisitor();
    const photo = jpegWithGps().file;
    expect(photo.includes(GPS_MARK)).toBe(true);
    const answer = await upload(photo, { token: alice.token }, { name: 'holiday.jpg', clientId: 'holiday-photo-1' });
    const attachment = attachmentOf(answer);
    const keys = await bucketObjects();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}[A-Za-z0-9_-]{32}$`));
    // Nothing beside the database: the bucket is the store.
    expect(fs.existsSync(path.join(t.dir, 'attachments'))).toBe(false);
    const stored = (await s3.object(keys[0]))!;
    expect(stored.includes(GPS_MARK)).toBe(false);
    expect(crypto.createHash('sha256').update(stored).digest('hex')).toBe(
      t.db.prepare('SELECT sha256 FROM attachments WHERE public_id = ?').pluck().get(attachment.id),
    );

    // A resend after a reconnect: the first upload's answer, and still one object.
    const again = attachmentOf(await upload(photo, { token: alice.token }, { name: 'holiday.jpg', clientId: 'holiday-photo-1' }));
    expect(again.id).toBe(attachment.id);
    expect(await bucketObjects()).toEqual(keys);

    await visitorSend(alice.socket, { clientId: 'photo-message-1', attachmentId: attachment.id });
    const { url } = await ok(await operator(), OperatorEvent.attachmentLink, { attachmentId: attachment.id });
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(stored);
  });

  test('a file gone from the bucket is "no longer here", not a broken response', async () => {
    const alice = await newVisitor();
    const attachment = attachmentOf(await upload(png(3, 2), { token: alice.token }));
    const [key] = await bucketObjects();
    expect((await fetch(`${s3.url}/${s3.bucket}/${key}`, { method: 'DELETE' })).status).toBe(204);
    const { url } = await ok(alice.socket, VisitorEvent.attachmentLink, { attachmentId: attachment.id });
    const res = await fetch(url);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  test('an erasure removes its files from the bucket before it is answered, and leaves other visitors’ files', async () => {
    const alice = await newVisitor();
    const bob = await newVisitor();
    await sendImages(
      t.url,
      [
        [alice, 2],
        [bob, 1],
      ],
      3,
    );
    const bobsKey = `${prefix}${t.db.prepare('SELECT a.storage_key FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE c.visitor_id = ?').pluck().get(bob.visitorId)}`;
    expect(await bucketObjects()).toHaveLength(3);
    await ok(alice.socket, VisitorEvent.contactLeave, { email: 'alice@example.test' });
    const { id } = await fileVerified(alice.socket, 'erasure', 'alice@example.test');
    await act(id, 'start');
    const done = unwrap(await act(id, 'complete')).request;
    expect(done.result).toMatchObject({ attachments: 2 });
    expect(await bucketObjects()).toEqual([bobsKey]);
    expect(t.db.prepare('SELECT count(*) FROM attachment_trash').pluck().get()).toBe(0);
  });

  test('an access export carries the files read from the bucket; a write handed an incomplete set is refused, so the desk reads again', async () => {
    const alice = await newVisitor();
    const first = attachmentOf(await upload(png(5, 5), { token: alice.token }, { name: 'receipt.png' }));
    await visitorSend(alice.socket, { clientId: 's3-export-1', attachmentId: first.id });
    await ok(alice.socket, VisitorEvent.contactLeave, { email: 'alice@example.test' });
    const { id } = await fileVerified(alice.socket, 'access', 'alice@example.test');
    await act(id, 'start');

    // The writer's own procedure, on a connection of its own, given the files as the desk read them
    // before a second file was attached: it refuses rather than export a copy without that file.
    const firstKey = t.db.prepare('SELECT storage_key FROM attachments WHERE public_id = ?').pluck().get(first.id) as string;
    const second = attachmentOf(await upload(png(6, 6), { token: alice.token }, { name: 'second.png' }));
    const db = openDatabase(t.config.databasePath);
    try {
      const procedures = createWriteProcedures(db, {
        limits: undefined,
        privacy: { hmacKey: t.app.secrets.hmacKey, jurisdiction: t.config.jurisdiction, mailDomain: t.config.mailDomain },
        offlineReplyDelayMs: t.config.offlineReplyDelayMs,
      });
      const writer = new InlineWriter(db, procedures);
      const stale = writer.run('privacyAct', {
        now: Date.now(),
        publicUrl: t.url,
        operator: { id: 1, name: 'Admin' },
        input: { id, action: 'complete' },
        files: { [firstKey]: new Uint8Array(png(5, 5)) },
      });
      await expect(stale).rejects.toMatchObject({ code: 'conflict', details: { exportFilesChanged: 1 } });
      await expect(stale).rejects.toBeInstanceOf(AppError);
    } finally {
      db.close();
    }
    expect(t.db.prepare('SELECT state FROM privacy_requests WHERE id = ?').pluck().get(id)).toBe('in_progress');

    expect(unwrap(await act(id, 'complete')).request.result).toMatchObject({ attachments: 2 });
    const res = await fetch(linkIn(await mailTo('alice@example.test', /data is ready/i)));
    const data = (await res.json()) as { visitors: Array<{ conversation: { attachments: Array<{ id: string; contentBase64: string }> } }> };
    const files = Object.fromEntries(data.visitors[0].conversation.attachments.map((a) => [a.id, a.contentBase64]));
    expect(files).toEqual({ [first.id]: png(5, 5).toString('base64'), [second.id]: png(6, 6).toString('base64') });
  });
});

describe('moving an installation to the bucket', () => {
  test('npm run admin -- copy-attachments-to-s3 moves the files under their names; the server started on the bucket serves them', async () => {
    prefix = `run-${++runs}/moved/`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-s3-move-'));
    const databasePath = path.join(dir, 'chat.db');
    const local = await startTestApp({ env: { DATABASE_PATH: databasePath } });
    t = local;
    let ids: string[];
    try {
      const alice = await newVisitor();
      ids = [];
      for (const [w, h] of [
        [4, 4],
        [7, 3],
      ]) {
        const a = attachmentOf(await upload(png(w, h), { token: alice.token }));
        await visitorSend(alice.socket, { clientId: `moved-${w}x${h}`, attachmentId: a.id });
        ids.push(a.id);
      }
    } finally {
      sockets.closeAll();
      forgetOperator();
      await local.close();
    }
    expect(fs.readdirSync(path.join(dir, 'attachments')).filter((f) => !f.startsWith('.'))).toHaveLength(2);

    const run = promisify(execFile);
    const { stdout } = await run('npm', ['run', '--silent', 'admin', '--', 'copy-attachments-to-s3'], {
      env: { ...process.env, DATABASE_PATH: databasePath, ...s3Env() },
      timeout: 60_000,
    });
    expect(stdout).toContain(`Copied 2 of 2 attachment file(s)`);
    expect((await bucketObjects()).sort()).toEqual(
      fs
        .readdirSync(path.join(dir, 'attachments'))
        .filter((f) => !f.startsWith('.'))
        .map((k) => `${prefix}${k}`)
        .sort(),
    );
    // Without the bucket set, the command says what it needs.
    const refused = await run('npm', ['run', '--silent', 'admin', '--', 'copy-attachments-to-s3'], {
      env: { ...process.env, DATABASE_PATH: databasePath },
      timeout: 60_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('set ATTACHMENT_S3_BUCKET') });

    // The files leave the directory; the server on the bucket serves them all the same.
    fs.rmSync(path.join(dir, 'attachments'), { recursive: true });
    t = await startTestApp({ env: { DATABASE_PATH: databasePath, ...s3Env() } });
    try {
      const op = await operator();
      for (const [i, id] of ids.entries()) {
        const { url } = await ok(op, OperatorEvent.attachmentLink, { attachmentId: id });
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(i === 0 ? png(4, 4) : png(7, 3));
      }
    } finally {
      sockets.closeAll();
      forgetOperator();
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the store on its own', () => {
  test('put, read, open, list and remove round-trip through the bucket; list pages and ignores names it never made', async () => {
    prefix = `run-${++runs}/store/`;
    const config = loadConfig(s3Env()).attachmentS3!;
    const store = new S3AttachmentStore(config);
    await store.check();
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) keys.push(await store.put(Buffer.from(`file ${i}`)));
    // Something else under the prefix (another tool's object) is not ours to sweep.
    expect((await fetch(`${s3.url}/${s3.bucket}/${prefix}notes.txt`, { method: 'PUT', body: 'not an attachment' })).status).toBe(200);
    expect((await store.list()).map((e) => e.key).sort()).toEqual([...keys].sort());
    expect((await store.read(keys[1]))?.toString()).toBe('file 1');
    const stream = await store.open(keys[2]);
    const chunks: Buffer[] = [];
    for await (const chunk of stream!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('file 2');
    await store.remove(keys[0]);
    await store.remove(keys[0]);
    expect(await store.read(keys[0])).toBeNull();
    expect(await store.open(keys[0])).toBeNull();
    expect((await store.list()).map((e) => e.key).sort()).toEqual([keys[1], keys[2]].sort());
  });

  test("a listing's continuation token is followed and its XML escapes are read", () => {
    const page = parseListing(
      '<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a/b&amp;c</Key><LastModified>2026-12-01T10:00:00.000Z</LastModified></Contents>' +
        '<NextContinuationToken>1&amp;x&#47;y</NextContinuationToken></ListBucketResult>',
    );
    expect(page).toEqual({ contents: [{ key: 'a/b&c', modifiedAt: Date.UTC(2026, 11, 1, 10) }], nextToken: '1&x/y' });
    expect(parseListing('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>').nextToken).toBeNull();
  });

  test("requests are signed as AWS's published Signature V4 example says (GET Object, examplebucket)", async () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "Example: GET Object".
    const store = new S3AttachmentStore({
      endpoint: 'https://s3.amazonaws.com',
      region: 'us-east-1',
      bucket: 'examplebucket',
      prefix: '',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      pathStyle: false,
    });
    const request = await store.sign('GET', 'test.txt', { range: 'bytes=0-9' }, { datetime: '20130524T000000Z', allHeaders: true });
    expect(request.url).toBe('https://examplebucket.s3.amazonaws.com/test.txt');
    expect(request.headers.get('authorization')).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  test('a bucket that does not exist stops the start with a clear error; a bad setting is named', async () => {
    prefix = 'unused/';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-s3-start-'));
    const config = loadConfig({
      PORT: '0',
      DATABASE_PATH: path.join(dir, 'chat.db'),
      LOG_LEVEL: 'silent',
      ...s3Env({ ATTACHMENT_S3_BUCKET: 'no-such-bucket' }),
    });
    const db = openDatabase(config.databasePath);
    try {
      await expect(startApp({ config, db, port: 0, host: '127.0.0.1' })).rejects.toThrow(
        /listing the bucket failed with HTTP 404 \(NoSuchBucket\)/,
      );
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig(s3Env({ ATTACHMENT_S3_SECRET_ACCESS_KEY: '' }))).toThrow(/ATTACHMENT_S3_SECRET_ACCESS_KEY/);
    expect(() => loadConfig(s3Env({ ATTACHMENT_S3_BUCKET: 'Bad_Bucket' }))).toThrow(/ATTACHMENT_S3_BUCKET must be a bucket name/);
    expect(() => loadConfig(s3Env({ ATTACHMENT_S3_ENDPOINT: 'ftp://example.com' }))).toThrow(/ATTACHMENT_S3_ENDPOINT/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/**
 * A real S3 server on loopback (s3rver: the S3 REST API over files in a temp directory) with one bucket,
 * the app's ATTACHMENT_S3_* settings for it, and plain S3 requests to read the bucket back (not through
 * our store). s3rver takes any credentials and checks no V4 signature; attachments-s3.test.ts checks our
 * signatures against AWS's published example.
 */
export class TestS3 {
  readonly bucket = 'chat-files';
  url = '';
  private server: S3rver | null = null;
  private dir = '';

  async start(): Promise<this> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-s3-'));
    this.server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: this.dir,
      silent: true,
      configureBuckets: [{ name: this.bucket, configs: [] }],
    });
    const { address, port } = await this.server.run();
    this.url = `http://${address}:${port}`;
    return this;
  }

  /** The app's environment for files under `prefix` in the bucket. */
  env(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      ATTACHMENT_S3_BUCKET: this.bucket,
      ATTACHMENT_S3_ENDPOINT: this.url,
      ATTACHMENT_S3_REGION: 'eu-central-1',
      ATTACHMENT_S3_ACCESS_KEY_ID: 'S3RVER',
      ATTACHMENT_S3_SECRET_ACCESS_KEY: 'S3RVER',
      ATTACHMENT_S3_PREFIX: prefix,
      ...extra,
    };
  }

  /** The keys under `prefix`, from a plain ListObjectsV2 request. */
  async objects(prefix: string): Promise<string[]> {
    const res = await fetch(`${this.url}/${this.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
    if (res.status !== 200) throw new Error(`listing the bucket: HTTP ${res.status}`);
    return [...(await res.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
  }

  /** An object's bytes, or null when there is none under `key`. */
  async object(key: string): Promise<Buffer | null> {
    const res = await fetch(`${this.url}/${this.bucket}/${key}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`reading an object: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async stop(): Promise<void> {
    await this.server?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AwsClient } from 'aws4fetch';
import { ATTACHMENT_KEY, type AttachmentStore, newAttachmentKey } from './attachment-store';

/** Where the bucket is and how to reach it (config.ts reads it from ATTACHMENT_S3_*). */
export interface S3StoreConfig {
  /** The service's base address, e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Prepended to every key ("attachments/" by default), so the bucket can hold other things too. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** https://host/bucket/key (every S3-compatible server) rather than https://bucket.host/key. */
  pathStyle: boolean;
}

/** Raised when the bucket answers with something other than success or "no such key". */
export class S3StoreError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'S3StoreError';
  }
}

const EMPTY_SHA256 = crypto.createHash('sha256').digest('hex');

/**
 * Attachments in an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph, Cloudflare R2, …), spoken to with
 * plain signed HTTP requests (Signature V4, the payload's hash signed too, so the service refuses a body
 * changed on the way). A PUT that succeeded is durable by the service's own promise; objects are never
 * rewritten, so no versioning is needed (and none should be on: an erased file must not live on as an old
 * version).
 */
export class S3AttachmentStore implements AttachmentStore {
  private readonly client: AwsClient;
  private readonly base: URL;

  constructor(private readonly config: S3StoreConfig) {
    // A few quick retries on 5xx and network errors; an upload is acknowledged only once one succeeded.
    this.client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      service: 's3',
      region: config.region,
      retries: 2,
      initRetryMs: 100,
    });
    const endpoint = new URL(config.endpoint);
    this.base = config.pathStyle
      ? new URL(`${endpoint.origin}${endpoint.pathname.replace(/\/$/, '')}/${encodeURIComponent(config.bucket)}/`)
      : new URL(`${endpoint.protocol}//${config.bucket}.${endpoint.host}${endpoint.pathname.replace(/\/$/, '')}/`);
  }

  get location(): string {
    return `s3://${this.config.bucket}/${this.config.prefix}`;
  }

  /** Checks the bucket answers to these credentials: a wrong key or bucket name is told at start, not at the first upload. */
  async check(): Promise<void> {
    const response = await this.send(this.listUrl(null, 1), { method: 'GET' });
    await this.expectOk(response, 'listing the bucket');
  }

  async put(bytes: Buffer): Promise<string> {
    const key = newAttachmentKey();
    await this.putAs(key, bytes);
    return key;
  }

  /** Stores `bytes` under a key chosen elsewhere (a file moved in from the local directory keeps its name). */
  async putAs(key: string, bytes: Buffer): Promise<void> {
    const response = await this.send(this.objectUrl(key), {
      method: 'PUT',
      // A copy on its own ArrayBuffer: what fetch's body type accepts.
      body: new Uint8Array(bytes),
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
        'x-amz-content-sha256': crypto.createHash('sha256').update(bytes).digest('hex'),
      },
    });
    await this.expectOk(response, 'storing a file');
  }

  async open(key: string): Promise<Readable | null> {
    const response = await this.get(key);
    if (!response) return null;
    if (!response.body) return Readable.from([]);
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  async read(key: string): Promise<Buffer | null> {
    const response = await this.get(key);
    return response && Buffer.from(await response.arrayBuffer());
  }

  async remove(key: string): Promise<void> {
    const response = await this.send(this.objectUrl(key), { method: 'DELETE' });
    // S3 answers 204 whether or not the key existed; some compatible servers say 404.
    if (response.status === 404) {
      await response.body?.cancel();
      return;
    }
    await this.expectOk(response, 'removing a file');
  }

  async list(): Promise<Array<{ key: string; modifiedAt: number }>> {
    const listed: Array<{ key: string; modifiedAt: number }> = [];
    let token: string | null = null;
    do {
      const response = await this.send(this.listUrl(token, 1000), { method: 'GET' });
      await this.expectOk(response, 'listing the bucket', false);
      const page = parseListing(await response.text());
      for (const entry of page.contents) {
        const key = entry.key.slice(this.config.prefix.length);
        // Only names this store could have made: the bucket may hold other things under the prefix.
        if (entry.key.startsWith(this.config.prefix) && ATTACHMENT_KEY.test(key)) listed.push({ key, modifiedAt: entry.modifiedAt });
      }
      token = page.nextToken;
    } while (token);
    return listed;
  }

  /**
   * The signed request for an object, without sending it: a test checks it against AWS's published
   * example, which fixes the time and signs every header.
   */
  sign(method: string, key: string, headers: Record<string, string>, aws: { datetime: string; allHeaders: boolean }): Promise<Request> {
    return this.client.sign(this.objectUrl(key, false), { method, headers: { 'x-amz-content-sha256': EMPTY_SHA256, ...headers }, aws });
  }

  /** The object's response, its body unread; null when there is no such key. */
  private async get(key: string): Promise<Response | null> {
    const response = await this.send(this.objectUrl(key), { method: 'GET' });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    await this.expectOk(response, 'reading a file', false);
    return response;
  }

  private send(url: URL, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    const headers = { 'x-amz-content-sha256': EMPTY_SHA256, ...init.headers };
    return this.client.fetch(url.toString(), { ...init, headers });
  }

  private objectUrl(key: string, checked = true): URL {
    if (checked && !ATTACHMENT_KEY.test(key)) throw new Error('not an attachment key');
    const path = `${this.config.prefix}${key}`.split('/').map(encodeURIComponent).join('/');
    return new URL(path, this.base);
  }

  private listUrl(token: string | null, max: number): URL {
    const url = new URL('', this.base);
    url.searchParams.set('list-type', '2');
    url.searchParams.set('max-keys', String(max));
    if (this.config.prefix) url.searchParams.set('prefix', this.config.prefix);
    if (token) url.searchParams.set('continuation-token', token);
    return url;
  }

  private async expectOk(response: Response, what: string, drain = true): Promise<void> {
    if (response.ok) {
      if (drain) await response.body?.cancel();
      return;
    }
    // The service's error code (AccessDenied, NoSuchBucket, …) says what to fix; its message may echo
    // our request, so only the code is kept.
    const body = await response.text().catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? 'no error code';
    throw new S3StoreError(response.status, `S3 storage: ${what} failed with HTTP ${response.status} (${code})`);
  }
}

/** The parts of a ListObjectsV2 answer we use: keys, their times, and the next page's token. */
export function parseListing(xml: string): { contents: Array<{ key: string; modifiedAt: number }>; nextToken: string | null } {
  const contents: Array<{ key: string; modifiedAt: number }> = [];
  for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = /<Key>([^<]*)<\/Key>/.exec(match[1])?.[1];
    const modified = /<LastModified>([^<]*)<\/LastModified>/.exec(match[1])?.[1];
    if (key !== undefined) contents.push({ key: unescapeXml(key), modifiedAt: modified ? Date.parse(modified) : 0 });
  }
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
  const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
  return { contents, nextToken: truncated && token ? unescapeXml(token) : null };
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    if (entity === 'amp') return '&';
    return String.fromCodePoint(entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}

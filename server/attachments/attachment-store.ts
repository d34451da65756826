import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { randomToken } from '../platform/crypto';

/**
 * Where attachments' bytes live: the local directory (the default) or an S3-compatible bucket
 * (s3-attachment-store.ts). Files are immutable once stored and named by a random key the server chose
 * (never by anything a client sent), so a key can neither be guessed nor steered into a path. Every method
 * is asynchronous, and only the main thread calls them: the writer thread never touches the store (an
 * access export is handed the files it carries, see PrivacyDesk).
 */
export interface AttachmentStore {
  /** Where the files are, for the start-up log and the backup command: a directory or `s3://bucket/prefix`. */
  readonly location: string;
  /** Stores `bytes` under a new random key, durably, and returns the key. */
  put(bytes: Buffer): Promise<string>;
  /** A stream of the file's bytes, or null when there is no such file. */
  open(key: string): Promise<Readable | null>;
  /** The file's bytes, or null when there is no such file. */
  read(key: string): Promise<Buffer | null>;
  /** Removes the file; a file already gone is not an error. */
  remove(key: string): Promise<void>;
  /** Every stored key with its file's modification time (for sweeping files no row names). */
  list(): Promise<Array<{ key: string; modifiedAt: number }>>;
}

/** A key as the stores name files: 24 random bytes in base64url. */
export const ATTACHMENT_KEY = /^[A-Za-z0-9_-]{32}$/;

/** A new random key for a file. */
export function newAttachmentKey(): string {
  return randomToken(24);
}

/** The attachment directory beside a database file: `<dir of chat.db>/attachments`. */
export function attachmentDirFor(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'attachments');
}

/**
 * Files in one directory (mode 0700, files 0600). A file is written under a temporary name, flushed to
 * disk, then renamed into place: a crash never leaves a half-written file under a key.
 */
export class LocalAttachmentStore implements AttachmentStore {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  get location(): string {
    return this.dir;
  }

  async put(bytes: Buffer): Promise<string> {
    const key = newAttachmentKey();
    const partial = path.join(this.dir, `.${key}.partial`);
    const handle = await fs.promises.open(partial, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(partial, this.file(key));
    return key;
  }

  async open(key: string): Promise<Readable | null> {
    const file = this.file(key);
    try {
      // Opened before the stream is made: a file missing is a null here, not an error event mid-response.
      const handle = await fs.promises.open(file, 'r');
      return handle.createReadStream();
    } catch {
      return null;
    }
  }

  async read(key: string): Promise<Buffer | null> {
    try {
      return await fs.promises.readFile(this.file(key));
    } catch {
      return null;
    }
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.file(key), { force: true });
  }

  async list(): Promise<Array<{ key: string; modifiedAt: number }>> {
    const names = (await fs.promises.readdir(this.dir)).filter((name) => ATTACHMENT_KEY.test(name) || name.endsWith('.partial'));
    const listed: Array<{ key: string; modifiedAt: number }> = [];
    for (const name of names) {
      const stat = await fs.promises.stat(path.join(this.dir, name)).catch(() => null);
      if (stat) listed.push({ key: name, modifiedAt: stat.mtimeMs });
    }
    return listed;
  }

  private file(key: string): string {
    // Partial files are listed (so a sweep finds them) but never opened by a client's key.
    if (!ATTACHMENT_KEY.test(key) && !/^\.[A-Za-z0-9_-]{32}\.partial$/.test(key)) throw new Error('not an attachment key');
    return path.join(this.dir, key);
  }
}

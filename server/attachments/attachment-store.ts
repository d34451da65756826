import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { randomToken } from '../platform/crypto';

/**
 * Where attachments' bytes live. Files are immutable once stored and named by a random key the server
 * chose (never by anything a client sent), so a key can neither be guessed nor steered into a path.
 * The local directory is the one implementation; another backend (S3-compatible storage) would implement
 * the same five methods.
 */
export interface AttachmentStore {
  /** Stores `bytes` under a new random key, durably, and returns the key. */
  put(bytes: Buffer): Promise<string>;
  /** A stream of the file's bytes, or null when there is no such file. */
  open(key: string): Readable | null;
  read(key: string): Buffer | null;
  /** Removes the file; a file already gone is not an error. */
  remove(key: string): void;
  /** Every stored key with its file's modification time (for sweeping files no row names). */
  list(): Array<{ key: string; modifiedAt: number }>;
}

const KEY = /^[A-Za-z0-9_-]{32}$/;

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

  async put(bytes: Buffer): Promise<string> {
    const key = randomToken(24);
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

  open(key: string): Readable | null {
    const file = this.file(key);
    return fs.existsSync(file) ? fs.createReadStream(file) : null;
  }

  read(key: string): Buffer | null {
    try {
      return fs.readFileSync(this.file(key));
    } catch {
      return null;
    }
  }

  remove(key: string): void {
    fs.rmSync(this.file(key), { force: true });
  }

  list(): Array<{ key: string; modifiedAt: number }> {
    return fs
      .readdirSync(this.dir)
      .filter((name) => KEY.test(name) || name.endsWith('.partial'))
      .map((name) => ({ key: name, modifiedAt: fs.statSync(path.join(this.dir, name)).mtimeMs }));
  }

  private file(key: string): string {
    // Partial files are listed (so a sweep finds them) but never opened by a client's key.
    if (!KEY.test(key) && !/^\.[A-Za-z0-9_-]{32}\.partial$/.test(key)) throw new Error('not an attachment key');
    return path.join(this.dir, key);
  }
}

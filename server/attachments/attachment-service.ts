import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  ATTACHMENT_TYPES,
  DEFAULT_ATTACHMENT_SETTINGS,
  IMAGE_TYPES,
  type AttachmentDto,
  type AttachmentLinkDto,
  type AttachmentSettingsDto,
} from '../../shared/attachments';
import { AppError } from '../../shared/errors';
import type { AttachmentSettingsSaveInput, AttachmentUploadInput } from '../../shared/schemas';
import type { AttachmentRow } from '../db/repositories/attachment-repository';
import { settingOf } from '../db/settings-of';
import type { Stores } from '../db/store';
import type { Clock } from '../platform/clock';
import { hmac, safeEqual } from '../platform/crypto';
import type { EventBus } from '../platform/events';
import type { Writer } from '../writer/group-commit';
import type { SettingsWrites } from '../console/settings-writes';
import type { AttachmentStore } from './attachment-store';
import type { AttachmentWrites } from './attachment-writes';
import { sniffType } from './file-type';
import { stripMetadata } from './strip-metadata';

export const ATTACHMENT_SETTINGS_KEY = 'attachments';
/** How long a link to a file works: long enough to load and open it, short enough that a copied link soon dies. */
export const LINK_TTL_MS = 5 * 60 * 1000;
/** A file in the store that no row names, older than this, is left over from a crash mid-upload. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

const TYPE_WORDS: Record<string, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/gif': 'GIF',
  'image/webp': 'WebP',
  'application/pdf': 'PDF',
};

/** Who is asking: a visitor (only their own conversation) or a signed-in operator (any conversation). */
export type AttachmentActor = { visitorId: number } | { operatorId: number };

/**
 * Attachments: the admin's limits, uploads (type read from the bytes, images stripped of metadata, stored
 * once per client id), short-lived signed links that only the conversation's visitor and operators are
 * given, and removing the files of deleted attachments from the store.
 */
export class AttachmentService {
  private current: AttachmentSettingsDto = normalise({});
  private readonly signingKey: Buffer;
  private reaping: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      attachments: Stores['attachments'];
      settings: Stores['settings'];
      store: AttachmentStore;
      writer: Writer<AttachmentWrites & SettingsWrites>;
      bus: EventBus;
      clock: Clock;
      /** The server's HMAC key; links are signed with a key derived from it for this one purpose. */
      hmacKey: Buffer;
      publicUrl: string;
      log: Logger;
    },
  ) {
    this.signingKey = hmac(deps.hmacKey, 'attachment-links/1');
  }

  /** Reads the admin's limits; awaited at start, before the server takes connections (uploads then read memory). */
  async load(): Promise<void> {
    this.current = normalise(await settingOf<Partial<AttachmentSettingsDto>>(this.deps.settings, ATTACHMENT_SETTINGS_KEY, {}));
  }

  settings(): AttachmentSettingsDto {
    return { maxMb: this.current.maxMb, types: [...this.current.types] };
  }

  /** The largest upload body accepted now, in bytes. */
  maxBytes(): number {
    return this.current.maxMb * 1024 * 1024;
  }

  async saveSettings(by: { id: number }, input: AttachmentSettingsSaveInput): Promise<AttachmentSettingsDto> {
    const next = normalise(input);
    await this.deps.writer.run('settingsPut', { key: ATTACHMENT_SETTINGS_KEY, value: next });
    this.current = next;
    this.deps.log.info({ operatorId: by.id, maxMb: next.maxMb, types: next.types }, 'attachments: limits changed');
    return this.settings();
  }

  /**
   * Stores an uploaded file and returns it once it is on disk and its row committed. The type is read from
   * the bytes; an image leaves here without its metadata. A resend under the same client id (a reconnect
   * mid-upload) is answered with the first upload, and stores nothing more.
   */
  async upload(
    from: { visitorId: number } | { operatorId: number; conversationId: string },
    input: AttachmentUploadInput,
    bytes: Buffer,
  ): Promise<AttachmentDto> {
    if (bytes.length === 0) throw new AppError('invalid_payload', 'The file is empty.');
    if (bytes.length > this.maxBytes()) throw tooLarge(this.current.maxMb);
    const type = sniffType(bytes);
    if (!type || !this.current.types.includes(type)) {
      const allowed = this.current.types.map((t) => TYPE_WORDS[t]).join(', ');
      throw new AppError(
        'invalid_payload',
        allowed ? `This kind of file cannot be attached. Allowed: ${allowed}.` : 'Attachments are switched off.',
      );
    }
    const stored = IMAGE_TYPES.includes(type) ? stripMetadata(type, bytes) : bytes;
    const sha256 = crypto.createHash('sha256').update(stored).digest('hex');
    let key: string;
    try {
      key = await this.deps.store.put(stored);
    } catch (error) {
      this.deps.log.error({ err: error, location: this.deps.store.location }, 'attachments: storing a file failed');
      throw new AppError('internal', 'The file could not be stored just now. Try again in a moment.');
    }
    try {
      const result = await this.deps.writer.run('attachmentStore', {
        from,
        clientId: input.clientId,
        storageKey: key,
        name: cleanName(input.name),
        type,
        size: stored.length,
        sha256,
        now: this.deps.clock.now(),
      });
      // A resend: the first upload's file is the one kept.
      if (!result.created) await this.removeQuietly(key);
      return result.attachment;
    } catch (error) {
      await this.removeQuietly(key);
      throw error;
    }
  }

  /** A signed link to the file, for the conversation's own visitor or an operator; anyone else hears "no such attachment". */
  async link(actor: AttachmentActor, attachmentId: string): Promise<AttachmentLinkDto> {
    const row = await this.visible(actor, attachmentId);
    const expiresAt = this.deps.clock.now() + LINK_TTL_MS;
    const signature = this.sign(row.id, expiresAt);
    return { url: `${this.deps.publicUrl}/api/attachments/${row.id}?e=${expiresAt}&s=${signature}`, expiresAt };
  }

  /** The file behind a signed link, or a refusal: a bad signature, an expired link, a deleted file. */
  async open(
    attachmentId: string,
    expires: string,
    signature: string,
  ): Promise<{ attachment: AttachmentRow; body: Readable; expiresAt: number }> {
    const expiresAt = Number(expires);
    if (!Number.isSafeInteger(expiresAt) || !safeEqual(Buffer.from(signature), Buffer.from(this.sign(attachmentId, expiresAt))))
      throw new AppError('forbidden', 'This link is not valid.');
    if (expiresAt <= this.deps.clock.now())
      throw new AppError('forbidden', 'This link has expired. Open the conversation again for a new one.');
    const row = await this.deps.attachments.byPublicId(attachmentId);
    const body = row && (await this.deps.store.open(row.storageKey));
    if (!row || !body) throw new AppError('not_found', 'This file is no longer here.');
    return { attachment: row, body, expiresAt };
  }

  /** Visitors may only reach their own conversation's files. */
  private async visible(actor: AttachmentActor, attachmentId: string): Promise<AttachmentRow> {
    const row = await this.deps.attachments.byPublicId(attachmentId);
    if (!row || ('visitorId' in actor && row.visitorId !== actor.visitorId)) throw new AppError('not_found', 'No such attachment.');
    return row;
  }

  private sign(attachmentId: string, expiresAt: number): string {
    return hmac(this.signingKey, `${attachmentId}.${expiresAt}`).toString('base64url');
  }

  /**
   * Removes from the store the files of attachments deleted since the last call (by erasure, retention or a
   * cascade), then forgets their keys. Called after each such write has committed, and at start for what a
   * crash left behind; calls that overlap share one run.
   */
  reap(): Promise<void> {
    if (this.reaping) return this.reaping.then(() => this.reap());
    // The look at the trash is part of the run, so a call during it shares the run instead of reading it too.
    this.reaping = (async () => {
      const keys = await this.deps.attachments.trash();
      if (keys.length === 0) return;
      // A key is forgotten only once its file is gone: one the store failed to remove waits for the next run.
      const removed: string[] = [];
      for (const key of keys) {
        try {
          await this.deps.store.remove(key);
          removed.push(key);
        } catch (error) {
          this.deps.log.error({ err: error, location: this.deps.store.location }, 'attachments: removing a deleted file failed');
        }
      }
      if (removed.length) await this.deps.writer.run('attachmentTrashClear', { keys: removed });
      this.deps.log.info({ files: removed.length, left: keys.length - removed.length }, 'attachments: removed deleted files');
    })().finally(() => {
      this.reaping = null;
    });
    return this.reaping;
  }

  /** Files no row names, left by a crash between storing a file and committing its row. */
  async sweepOrphans(): Promise<number> {
    const cutoff = Date.now() - ORPHAN_AGE_MS;
    let removed = 0;
    for (const { key, modifiedAt } of await this.deps.store.list()) {
      if (modifiedAt < cutoff && !(await this.deps.attachments.keyExists(key))) {
        await this.deps.store.remove(key);
        removed++;
      }
    }
    return removed;
  }

  start(): void {
    // Retention's and a restore's deletions (an erasure's files are removed before it is answered, PrivacyDesk).
    this.deps.bus.on('chats:erased', () => this.safeReap());
    this.safeReap();
    this.sweepOrphans().then(
      (removed) => {
        if (removed) this.deps.log.info({ files: removed }, 'attachments: removed files no row names');
      },
      (error: unknown) => this.deps.log.error({ err: error }, 'attachments: sweeping the store failed'),
    );
  }

  private async removeQuietly(key: string): Promise<void> {
    // Not removed now, the file is an orphan the next start's sweep removes.
    await this.deps.store.remove(key).catch((error: unknown) => {
      this.deps.log.error({ err: error }, 'attachments: removing an unused file failed');
    });
  }

  private safeReap(): void {
    this.reap().catch((error: unknown) => this.deps.log.error({ err: error }, 'attachments: removing deleted files failed'));
  }
}

function tooLarge(maxMb: number): AppError {
  return new AppError('invalid_payload', `The file is larger than ${maxMb} MB.`);
}

export const attachmentTooLarge = tooLarge;

function normalise(input: Partial<AttachmentSettingsDto>): AttachmentSettingsDto {
  const maxMb = Number.isInteger(input.maxMb) && input.maxMb! >= 1 ? input.maxMb! : DEFAULT_ATTACHMENT_SETTINGS.maxMb;
  const types = Array.isArray(input.types)
    ? ATTACHMENT_TYPES.filter((t) => input.types!.includes(t))
    : [...DEFAULT_ATTACHMENT_SETTINGS.types];
  return { maxMb, types };
}

/** A file name safe to show and to put in a header: no path, no control characters, bounded. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return clean.slice(0, 200) || 'file';
}

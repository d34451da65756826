/**
 * The visitor's side of attachments, loaded on demand (a chunk of its own) the first time a visitor
 * attaches or drags a file, or the conversation shows one: checking a file against the admin's limits
 * before it is uploaded, the upload with its progress, the drop hint, showing what was sent, the viewer.
 * The panel keeps only the attach button and the drop and paste handlers. Only types are imported from
 * the panel's modules, so this chunk shares nothing with the panel but Lit.
 */
import { css, html, nothing } from 'lit';
import type { AttachmentDto } from '../../shared/attachments';
import type { Lang } from '../../shared/types';
import { AttachmentLinks, formatSize, renderAttachment } from '../common/attachment-links';
import { UploadRefused, uploadFile } from '../common/attachment-upload';
import { attachmentWords } from './attachment-words';
import type { PendingMessage, Uploader, VisitorConnection } from './visitor-connection';

/** Adopted into the panel's shadow root when this chunk loads. */
const styles = css`
  .thumb { display: block; padding: 0; margin: 2px 0; border: 0; border-radius: 8px; background: var(--cw-border); cursor: zoom-in; min-width: 80px; min-height: 60px; }
  .thumb img { display: block; max-width: min(220px, 100%); max-height: 180px; border-radius: 8px; }
  .file a { color: inherit; font-weight: 600; }
  .drop { position: absolute; inset: 8px; display: grid; place-items: center; padding: 16px; text-align: center; border: 3px dashed var(--cw-accent); border-radius: 12px; background: var(--cw-bg); font-weight: 700; pointer-events: none; }
  .panel { position: relative; }
  .problem { color: var(--cw-danger); font-weight: 600; font-size: 14px; padding: 0 14px 4px; }
`;

/** Attachments in the visitor's panel; the panel hands it files and asks it to render. */
export class VisitorAttachments {
  readonly words;
  /** A file is dragged over the panel (the drop hint shows). */
  dragging = false;
  /** Why the last file picked was refused here, in the visitor's words. */
  private error = '';
  private readonly links: AttachmentLinks;

  constructor(
    private readonly conn: VisitorConnection,
    private readonly lang: Lang,
    private readonly update: () => void,
    private readonly root: ShadowRoot,
  ) {
    this.words = attachmentWords(lang);
    this.links = new AttachmentLinks((id) => conn.link(id), update);
    if (styles.styleSheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, styles.styleSheet];
    conn.uploader = this.upload;
  }

  /** Checks each file against the limits (the server checks again); those that pass are sent, each as a message. */
  add(files: File[]): void {
    const { maxMb, types } = this.conn.limits;
    const w = this.words;
    this.error = '';
    for (const file of files) {
      if (!(types as string[]).includes(file.type))
        this.error = `${w.fileType} ${types.map((x) => x.split('/')[1].toUpperCase()).join(', ')}.`;
      else if (file.size > maxMb * 1024 * 1024) this.error = `${w.fileTooBig} ${formatSize(maxMb * 1024 * 1024, this.lang)}.`;
      else this.conn.sendFile(file);
    }
    this.update();
  }

  /** The drop hint over the panel while a file is dragged over it. */
  hint() {
    return this.dragging ? html`<div class="drop" part="drop">${this.words.dropHint}</div>` : nothing;
  }

  /** Above the composer: why the last file picked was refused. */
  problem() {
    return this.error ? html`<div class="problem" role="alert">${this.error}</div>` : nothing;
  }

  show(a: AttachmentDto) {
    return renderAttachment(a, this.links, this.lang, this.words.viewImage, this.view);
  }

  /** "Uploading… 42%" while the file goes up; undefined otherwise. */
  state(p: PendingMessage): string | undefined {
    return p.progress === undefined ? undefined : `${this.words.uploading} ${Math.round(p.progress * 100)}%`;
  }

  /** Why a kept file is not sent: its bytes are gone (a reload), or the server's reason (it names the limit). */
  why(p: PendingMessage): string | undefined {
    return this.lost(p) ? this.words.fileLost : p.refused?.message;
  }

  lost(p: PendingMessage): boolean {
    return !p.attachment && !p.blob;
  }

  private upload: Uploader = async (p, url, token) => {
    try {
      p.progress = 0;
      this.update();
      p.attachment = await uploadFile(url, { clientId: p.clientId, name: p.file!.name }, p.blob!, token, (f) => {
        p.progress = f;
        this.update();
      });
      delete p.blob;
      this.conn.persistPending();
      return true;
    } catch (error) {
      // Refused, or no answer over HTTP: not sent, with a retry (every reconnect retries it too).
      this.conn.refuse(p, error instanceof UploadRefused ? error.error : { code: 'internal', message: '' });
      return false;
    } finally {
      delete p.progress;
      this.update();
    }
  };

  private view = async (a: AttachmentDto) => {
    const opener = this.root.activeElement as HTMLElement | null;
    try {
      const [{ openViewer }, url] = await Promise.all([import('../common/cw-attachment-viewer'), this.links.fresh(a.id)]);
      openViewer(this.root, a, url, this.words, this.lang, opener);
    } catch {
      this.error = this.words.offline;
      this.update();
    }
  };
}

/**
 * The image viewer: loaded on demand (its own chunk) the first time someone opens a thumbnail. A modal
 * dialog with the full image, its name and a download link; Esc or the close button shut it, focus stays
 * inside while it is open (the rest of the page is inert) and returns to the thumbnail afterwards.
 */
import { LitElement, css, html, svg } from 'lit';
import type { AttachmentDto } from '../../shared/attachments';
import { formatSize } from './attachment-links';

export interface ViewerWords {
  close: string;
  download: string;
}

/**
 * @csspart dialog - the modal box
 * @cssprop --cw-bg - its background (and --cw-fg, --cw-link, --cw-focus)
 */
export class CwAttachmentViewer extends LitElement {
  static override properties = { attachment: { attribute: false }, url: {}, words: { attribute: false }, locale: {} };

  static override styles = css`
    dialog { box-sizing: border-box; max-width: min(92vw, 960px); max-height: 92vh; padding: 12px; border: 0; border-radius: 12px; background: var(--cw-bg, #fff); color: var(--cw-fg, #1c1e21); font: 15px/1.4 system-ui, sans-serif; }
    dialog::backdrop { background: rgba(0, 0, 0, .7); }
    header { display: flex; align-items: center; gap: 12px; margin-bottom: 8px; }
    h2 { flex: 1; margin: 0; font-size: 15px; overflow-wrap: anywhere; }
    img { display: block; max-width: 100%; max-height: calc(92vh - 90px); margin: 0 auto; object-fit: contain; }
    a { color: var(--cw-link, #0b57d0); }
    button { font: inherit; width: 36px; height: 36px; border: 1px solid currentColor; border-radius: 8px; background: transparent; color: inherit; cursor: pointer; display: grid; place-items: center; padding: 0; }
    button svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; }
    :is(a, button):focus-visible { outline: 3px solid var(--cw-focus, #0b57d0); outline-offset: 2px; }
  `;

  attachment!: AttachmentDto;
  url = '';
  words!: ViewerWords;
  locale = 'en';
  private opener: HTMLElement | null = null;

  override render() {
    const a = this.attachment;
    return html`<dialog part="dialog" aria-labelledby="name" @close=${this.closed}>
      <header>
        <h2 id="name">${a.name}</h2>
        <a href=${this.url} target="_blank" rel="noopener noreferrer" download=${a.name}>${this.words.download} (${formatSize(a.size, this.locale)})</a>
        <button type="button" aria-label=${this.words.close} @click=${() => this.dialog?.close()}>${svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>`}</button>
      </header>
      <img src=${this.url} alt=${a.name} />
    </dialog>`;
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  /** Opens modally; `opener` gets the focus back when it closes. */
  async show(opener: HTMLElement | null): Promise<void> {
    this.opener = opener;
    await this.updateComplete;
    this.dialog?.showModal();
    this.renderRoot.querySelector('button')?.focus();
  }

  private closed = () => {
    this.remove();
    this.opener?.focus();
  };
}

if (!customElements.get('cw-attachment-viewer')) customElements.define('cw-attachment-viewer', CwAttachmentViewer);

/** Opens the viewer for `a` inside `root` (the opener's shadow root, so the page's theme reaches it). */
export function openViewer(root: Node, a: AttachmentDto, url: string, words: ViewerWords, locale: string, opener: HTMLElement | null) {
  const viewer = document.createElement('cw-attachment-viewer') as CwAttachmentViewer;
  Object.assign(viewer, { attachment: a, url, words, locale });
  root.appendChild(viewer);
  void viewer.show(opener);
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-attachment-viewer': CwAttachmentViewer;
  }
}

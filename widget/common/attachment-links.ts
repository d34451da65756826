/**
 * Showing attachments in a thread, for the widget and the console alike: images as thumbnails that open
 * the viewer, other files as a named link with their size. Their bytes come through short-lived signed
 * links (`attachment:link`), fetched the first time a file is shown and again when one expires.
 */
import { html, nothing } from 'lit';
import type { AttachmentDto, AttachmentLinkDto } from '../../shared/attachments';

/** A link this close to expiry counts as expired: a click on it must still find it valid. */
const MARGIN_MS = 15_000;

/** Every image type the server takes is one of IMAGE_TYPES (a value import would tie this file to the panel's chunk). */
export const isImage = (a: { type: string }) => a.type.startsWith('image/');

/** "340 kB", "1.2 MB" (or "1,2 МБ"): in the reader's language. */
export function formatSize(bytes: number, locale: string): string {
  const mb = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(locale, { style: 'unit', unit: mb ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(
    bytes / (mb ? 1024 * 1024 : 1024),
  );
}

/** The signed links of the attachments one thread shows; the host re-renders whenever one arrives or expires. */
export class AttachmentLinks {
  private readonly known = new Map<string, AttachmentLinkDto>();
  private readonly asking = new Map<string, Promise<AttachmentLinkDto>>();
  private readonly retried = new Set<string>();
  /** Images that would not load even with a new link (a host page whose CSP has no img-src for us): shown as links. */
  readonly broken = new Set<string>();

  constructor(
    private readonly ask: (attachmentId: string) => Promise<AttachmentLinkDto>,
    private readonly changed: () => void,
  ) {}

  /**
   * The link to show now, or undefined while the first one is fetched. A loaded image keeps its link
   * (`keep`): its bytes are already here, and a new link would only fetch them again.
   */
  url(id: string, keep = false): string | undefined {
    const link = this.known.get(id);
    if (!link || (!keep && link.expiresAt - MARGIN_MS < Date.now())) void this.fetch(id).catch(() => undefined);
    return link?.url;
  }

  /** A link valid for the next minutes (the viewer's image and download). */
  async fresh(id: string): Promise<string> {
    const link = this.known.get(id);
    return link && link.expiresAt - MARGIN_MS > Date.now() ? link.url : (await this.fetch(id)).url;
  }

  /** An image did not load: its link may have expired first; with a new one failing too, it is shown as a link. */
  failed(id: string): void {
    if (this.retried.has(id)) this.broken.add(id);
    else {
      this.retried.add(id);
      this.known.delete(id);
    }
    this.changed();
  }

  private fetch(id: string): Promise<AttachmentLinkDto> {
    let asking = this.asking.get(id);
    if (!asking) {
      asking = this.ask(id).then(
        (link) => {
          this.asking.delete(id);
          this.known.set(id, link);
          // Re-rendered when it expires, so a file's link is replaced before anyone clicks a dead one.
          setTimeout(this.changed, Math.max(0, link.expiresAt - MARGIN_MS - Date.now()) + 100);
          this.changed();
          return link;
        },
        (error) => {
          this.asking.delete(id);
          throw error;
        },
      );
      this.asking.set(id, asking);
    }
    return asking;
  }
}

/**
 * One attachment in a message. `view` opens an image in the viewer; `viewLabel` names the thumbnail's
 * button for screen readers ("Open image", with the file's name).
 */
export function renderAttachment(
  a: AttachmentDto,
  links: AttachmentLinks,
  locale: string,
  viewLabel: string,
  view: (a: AttachmentDto) => void,
) {
  if (isImage(a) && !links.broken.has(a.id)) {
    const url = links.url(a.id, true);
    return html`<button class="thumb" part="thumbnail" type="button" aria-label=${`${viewLabel}: ${a.name}`} @click=${() => view(a)}>${
      url ? html`<img src=${url} alt="" @error=${() => links.failed(a.id)} />` : nothing
    }</button>`;
  }
  return html`<span class="file"><a href=${links.url(a.id) ?? nothing} download=${a.name}>${a.name}</a> ${formatSize(a.size, locale)}</span>`;
}

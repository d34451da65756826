import { LitElement, css, html, nothing } from 'lit';
import type { Lang } from '../../shared/types';
import type { AvailabilityDto } from '../../shared/widget-settings';
import { backAt } from './back-at';

/** Set by the bundler for a per-language panel build (see common/i18n.ts): the other language is dropped. */
declare const CW_PANEL_LANG: Lang | undefined;

/**
 * The away card's line saying when the team is back; nothing while open or when it never opens. Loaded on
 * demand (a chunk of its own) when the panel shows the away state.
 */
export class CwBackAt extends LitElement {
  // `static properties`, not decorators: see CwChatPanel.
  static override properties = { availability: { attribute: false }, locale: {} };
  static override styles = css`:host { display: block; }`;

  availability: AvailabilityDto | null = null;
  locale: Lang = 'en';

  override render() {
    const a = this.availability;
    const lang = typeof CW_PANEL_LANG === 'string' ? CW_PANEL_LANG : this.locale;
    // In an element of its own: text straight in a shadow root is not found by the page's tools.
    return a && !a.open && a.nextOpenAt ? html`<strong>${backAt(lang, a.nextOpenAt, a.timezone)}</strong>` : nothing;
  }
}

customElements.define('cw-back-at', CwBackAt);

declare global {
  interface HTMLElementTagNameMap {
    'cw-back-at': CwBackAt;
  }
}

import { LitElement, css } from 'lit';
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
  static override styles = css`:host { display: block; font-weight: 700; }`;

  availability: AvailabilityDto | null = null;
  locale: Lang = 'en';

  override render() {
    const a = this.availability;
    const lang = typeof CW_PANEL_LANG === 'string' ? CW_PANEL_LANG : this.locale;
    return a && !a.open && a.nextOpenAt ? backAt(lang, a.nextOpenAt, a.timezone) : '';
  }
}

customElements.define('cw-back-at', CwBackAt);

declare global {
  interface HTMLElementTagNameMap {
    'cw-back-at': CwBackAt;
  }
}

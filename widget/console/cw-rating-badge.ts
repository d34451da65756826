import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Lang, RatingDto } from '../../shared/types';
import { consoleLang } from './console-lang';
import { RATING_WORDS, ratingLabel } from './ratings-words';
import { consoleStyles } from './styles';

/** A conversation's rating as the visitor gave it: 👍/👎 or ★ n/5, and the comment (clipped; whole on hover and for screen readers). */
@customElement('cw-rating-badge')
export class CwRatingBadge extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: inline-flex; align-items: center; gap: 8px; min-width: 0; max-width: 100%; }
      .pill { font-size: 13px; }
      .pill.good { background: var(--cw-ok-soft); color: var(--cw-fg); border-color: transparent; }
      .pill.bad { background: var(--cw-danger-soft); color: var(--cw-fg); border-color: transparent; }
      q { font-size: 13px; color: var(--cw-muted); font-style: italic; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; max-width: 260px; }
    `,
  ];

  @property({ attribute: false }) rating!: RatingDto;
  private readonly uiLang: Lang = consoleLang();

  override render() {
    const r = this.rating;
    const label = ratingLabel(r, this.uiLang);
    const good = r.scale === 'thumbs' ? r.score === 1 : r.score >= 4;
    const bad = r.scale === 'thumbs' ? r.score === 0 : r.score <= 2;
    return html`<span class="sr-only">${RATING_WORDS[this.uiLang].visitorRated}: ${label.full}</span>
      <span class="pill ${good ? 'good' : bad ? 'bad' : ''}" aria-hidden="true" title=${RATING_WORDS[this.uiLang].visitorRated}>${label.short}</span>
      ${r.comment ? html`<q title=${r.comment}>${r.comment}</q>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-rating-badge': CwRatingBadge;
  }
}

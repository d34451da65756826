import { LitElement, css, html, nothing, svg } from 'lit';
import type { Lang, RatingAskDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import { controls } from './styles';
import type { VisitorConnection } from './visitor-connection';

/** Set by the bundler for a per-language panel build (see common/i18n.ts): the other language is dropped. */
declare const CW_PANEL_LANG: Lang | undefined;

const EN = {
  question: 'How was this conversation?',
  good: 'Good',
  bad: 'Bad',
  stars: (n: number) => `${n} of 5 stars`,
  comment: 'Comment (optional)',
  submit: 'Send rating',
  thanks: 'Thank you for your rating!',
  already: 'This conversation has already been rated.',
  closed: 'This conversation can no longer be rated.',
  failed: 'The rating was not sent. Please try again.',
};
const RU: typeof EN = {
  question: 'Как прошёл разговор?',
  good: 'Хорошо',
  bad: 'Плохо',
  stars: (n: number) => `Оценка ${n} из 5`,
  comment: 'Комментарий (необязательно)',
  submit: 'Отправить оценку',
  thanks: 'Спасибо за оценку!',
  already: 'Этот разговор уже оценён.',
  closed: 'Этот разговор больше нельзя оценить.',
  failed: 'Оценка не отправлена. Попробуйте ещё раз.',
};

const icon = (d: string) => svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${d} /></svg>`;
const THUMB = 'M7 11v9H4v-9zm0 0 4-8a2 2 0 0 1 3 2l-1 5h6a2 2 0 0 1 2 2l-2 7a2 2 0 0 1-2 1H7';
const STAR = 'm12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3 6.5 20.2l1-6.2L3 9.6l6.2-.9z';

/**
 * The rating card shown when an operator resolves the conversation: thumbs up/down or 1–5 stars (the
 * admin's scale), an optional comment, one submission. Loaded on demand (a chunk of its own).
 * The panel hands down `ask` from the connection; it goes when the conversation is reopened.
 */
export class CwRating extends LitElement {
  // `static properties`, not decorators: see CwChatPanel.
  static override properties = {
    connection: { attribute: false },
    ask: { attribute: false },
    score: { state: true },
    busy: { state: true },
    note: { state: true },
    error: { state: true },
  };

  static override styles = [
    controls,
    css`
    :host { display: block; align-self: stretch; border: 1px solid var(--cw-border); border-radius: 10px; padding: 10px 12px; font-size: 14px; }
    p { margin: 0 0 8px; font-weight: 600; }
    .scale { display: flex; gap: 6px; flex-wrap: wrap; }
    .scale button { font: inherit; display: inline-flex; align-items: center; gap: 6px; border: 1px solid var(--cw-border); border-radius: 8px; background: var(--cw-bg); color: var(--cw-fg); padding: 6px 10px; cursor: pointer; }
    .scale button[aria-pressed='true'] { border-color: var(--cw-accent); background: var(--cw-accent); color: var(--cw-on-accent); }
    .scale.stars button, .scale.stars button[aria-pressed='true'] { padding: 3px; border-color: transparent; background: none; color: var(--cw-accent); }
    svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linejoin: round; }
    .stars svg { width: 26px; height: 26px; }
    .stars .on svg { fill: currentColor; }
    .bad svg { transform: rotate(180deg); }
    textarea { width: 100%; min-height: 56px; resize: vertical; }
    .btn { margin-top: 8px; }
  `,
  ];

  connection!: VisitorConnection;
  ask!: RatingAskDto;
  private score: number | null = null;
  private busy = false;
  /** Why the card no longer asks (thanks, rated elsewhere, reopened meanwhile); null while it asks. */
  private note: string | null = null;
  private error: string | null = null;

  private get w() {
    return (typeof CW_PANEL_LANG === 'string' ? CW_PANEL_LANG : this.connection.lang) === 'ru' ? RU : EN;
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // Another conversation asks afresh (the same one handed down again after a reconnect keeps the choice).
    if (changed.has('ask') && (changed.get('ask') as RatingAskDto | undefined)?.conversationId !== this.ask.conversationId) {
      this.score = null;
      this.note = null;
      this.error = null;
    }
  }

  override render() {
    const w = this.w;
    if (this.note) return html`<p role="status">${this.note}</p>`;
    const stars = this.ask.scale === 'stars';
    const choices = stars ? [1, 2, 3, 4, 5] : [1, 0];
    return html`<form @submit=${this.submit} aria-label=${w.question}>
      <p id="q">${w.question}</p>
      <div class="scale ${stars ? 'stars' : ''}" role="group" aria-labelledby="q">
        ${choices.map((n) => {
          const on = stars ? this.score !== null && n <= this.score : this.score === n;
          return html`<button type="button" class=${on ? 'on' : n ? '' : 'bad'} aria-pressed=${String(this.score === n)}
            aria-label=${stars ? w.stars(n) : n ? w.good : w.bad} @click=${() => {
              this.score = n;
            }}>${stars ? icon(STAR) : html`${icon(THUMB)}${n ? w.good : w.bad}`}</button>`;
        })}
      </div>
      ${
        this.score === null
          ? nothing
          : html`<label for="comment">${w.comment}</label><textarea id="comment" name="comment" maxlength="1000" rows="2"></textarea>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
            <button class="btn" type="submit" ?disabled=${this.busy}>${w.submit}</button>`
      }
    </form>`;
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.score === null || this.busy) return;
    const comment = String(new FormData(event.target as HTMLFormElement).get('comment') ?? '').trim();
    this.busy = true;
    this.error = null;
    try {
      await this.connection.rate({
        conversationId: this.ask.conversationId,
        score: this.score,
        ...(comment ? { comment } : {}),
      });
      // The server asks no more (a later hello has no question): the thanks stays until the card goes.
      this.note = this.w.thanks;
    } catch (error) {
      const code = error instanceof RpcError ? error.error.code : '';
      // One rating per conversation: a second one (another tab) is refused; a reopened one is not rated.
      if (code === 'conflict') this.note = this.w.already;
      else if (code === 'invalid_state' || code === 'not_found') this.note = this.w.closed;
      else this.error = this.w.failed;
    } finally {
      this.busy = false;
    }
  }
}

customElements.define('cw-rating', CwRating);

declare global {
  interface HTMLElementTagNameMap {
    'cw-rating': CwRating;
  }
}

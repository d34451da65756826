import { LitElement, css, html, nothing } from 'lit';
import type { Lang } from '../../shared/types';
import { RpcError } from '../common/rpc';
import { controls } from './styles';
import type { VisitorConnection } from './visitor-connection';

/** Set by the bundler for a per-language panel build (see common/i18n.ts): the other language is dropped. */
declare const CW_PANEL_LANG: Lang | undefined;

const EN = {
  title: 'E-mail me this conversation',
  email: 'Your e-mail',
  when: 'When to send it',
  now: 'Now',
  onResolve: 'When the conversation is resolved',
  send: 'Send transcript',
  cancel: 'Cancel',
  close: 'Close',
  sent: 'Sent. Check your inbox.',
  later: 'We will e-mail it to you when the conversation is resolved.',
  err_rate_limited: 'Too many transcripts asked for. Please try again later.',
  err_invalid_state: 'There is nothing in this conversation to send yet.',
  err_invalid_payload: 'Please check the e-mail address.',
  failed: 'It was not sent. Please try again.',
};
const RU: typeof EN = {
  title: 'Прислать мне эту переписку',
  email: 'Ваша почта',
  when: 'Когда прислать',
  now: 'Сейчас',
  onResolve: 'Когда разговор будет завершён',
  send: 'Прислать переписку',
  cancel: 'Отмена',
  close: 'Закрыть',
  sent: 'Отправлено. Проверьте почту.',
  later: 'Пришлём её вам, когда разговор будет завершён.',
  err_rate_limited: 'Слишком много запросов переписки. Попробуйте позже.',
  err_invalid_state: 'В разговоре пока нечего отправлять.',
  err_invalid_payload: 'Проверьте адрес почты.',
  failed: 'Не отправлено. Попробуйте ещё раз.',
};

/**
 * "E-mail me this conversation": the address (the contact e-mail when known) and whether to send it now
 * or when the conversation is resolved; then what happened. Loaded on demand (a chunk of its own).
 *
 * @fires cw-close - the visitor closed the form
 */
export class CwTranscript extends LitElement {
  // `static properties`, not decorators: see CwChatPanel.
  static override properties = {
    connection: { attribute: false },
    conversationId: {},
    email: {},
    busy: { state: true },
    result: { state: true },
    error: { state: true },
  };

  static override styles = [
    controls,
    css`
    :host { display: block; border-top: 1px solid var(--cw-border); padding: 8px 12px 10px; font-size: 14px; }
    h3 { font-size: 15px; margin: 0; }
    label { margin-top: 8px; }
    fieldset { border: 0; margin: 8px 0 0; padding: 0; }
    legend { font-weight: 600; padding: 0; }
    fieldset label { display: flex; align-items: center; gap: 6px; margin: 4px 0 0; font-weight: 400; }
    fieldset input { width: auto; margin: 0; }
    .row { display: flex; gap: 8px; margin-top: 10px; }
    .plain { font: inherit; border: 1px solid var(--cw-border); border-radius: 8px; background: var(--cw-bg); color: var(--cw-fg); padding: 7px 14px; cursor: pointer; }
    p { margin: 8px 0 0; }
  `,
  ];

  connection!: VisitorConnection;
  conversationId = '';
  /** The contact e-mail the visitor left, to prefill. */
  email: string | null = null;
  private busy = false;
  private result: string | null = null;
  private error: string | null = null;

  private get w() {
    return (typeof CW_PANEL_LANG === 'string' ? CW_PANEL_LANG : this.connection.lang) === 'ru' ? RU : EN;
  }

  override focus(): void {
    this.renderRoot.querySelector('input')?.focus();
  }

  override render() {
    const w = this.w;
    return html`<form @submit=${this.submit} aria-labelledby="title">
      <h3 id="title">${w.title}</h3>
      ${
        this.result
          ? html`<p role="status">${this.result}</p>`
          : html`<label for="email">${w.email}</label>
            <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" .value=${this.email ?? ''} />
            <fieldset>
              <legend>${w.when}</legend>
              <label><input type="radio" name="when" value="now" checked />${w.now}</label>
              <label><input type="radio" name="when" value="resolve" />${w.onResolve}</label>
            </fieldset>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`
      }
      <div class="row">
        ${this.result ? nothing : html`<button class="btn" type="submit" ?disabled=${this.busy}>${w.send}</button>`}
        <button class="plain" type="button" @click=${this.close}>${this.result ? w.close : w.cancel}</button>
      </div>
    </form>`;
  }

  private close = () => this.dispatchEvent(new CustomEvent('cw-close'));

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    const form = new FormData(event.target as HTMLFormElement);
    const email = String(form.get('email') ?? '').trim();
    const onResolve = form.get('when') === 'resolve';
    this.busy = true;
    this.error = null;
    try {
      const result = await this.connection.transcript({
        conversationId: this.conversationId,
        email,
        onResolve,
      });
      // An address for later is kept as the visitor's contact address (the server says so in the chat).
      if (result.onResolve) this.connection.setContact(email);
      this.result = result.sent ? this.w.sent : this.w.later;
    } catch (error) {
      const code = `err_${error instanceof RpcError ? error.error.code : ''}`;
      this.error = code in this.w ? this.w[code as keyof typeof EN] : this.w.failed;
    } finally {
      this.busy = false;
    }
  }
}

customElements.define('cw-transcript', CwTranscript);

declare global {
  interface HTMLElementTagNameMap {
    'cw-transcript': CwTranscript;
  }
}

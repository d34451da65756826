import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { REQUEST_TYPES, type RequestType } from '../../../shared/privacy';
import { OperatorEvent } from '../../../shared/protocol';
import type { ConsoleStore } from '../console-store';
import { icon } from '../icons';
import { failure, pageHead } from '../page';
import { consoleStyles } from '../styles';
import { TYPE_LABEL } from './privacy-words';

/**
 * Filing a request that came by e-mail or post; the requester confirms through a mailed link.
 * @fires cw-filed - detail: the new request's id
 */
@customElement('cw-privacy-file')
export class CwPrivacyFile extends LitElement {
  static override styles = [consoleStyles, css`.back { justify-self: start; margin-left: -10px; }`];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() private error: string | null = null;
  @state() private busy = false;

  override render() {
    return html`<div class="page">
      <a class="button quiet small back" href="/console/privacy">${icon('chevronLeft', 16)}Privacy requests</a>
      ${pageHead('File a request that came by e-mail', 'We mail the requester a link to confirm the address is theirs; the request counts as verified, and its deadline starts, when they follow it.')}
      ${this.error ? html`<p class="callout error" role="alert">${this.error}</p>` : nothing}
      <section class="card" aria-label="Request">
        <form @submit=${this.file}>
          <div class="form-grid two">
            <div class="field"><label for="f-type">Type</label><select id="f-type" name="type">${REQUEST_TYPES.map((t) => html`<option value=${t}>${TYPE_LABEL[t]}</option>`)}</select></div>
            <div class="field"><label for="f-lang">Language of our mails</label><select id="f-lang" name="lang"><option value="en">English</option><option value="ru">Русский</option></select></div>
            <div class="field"><label for="f-email">Requester e-mail</label><input id="f-email" name="email" type="email" required autocomplete="off" /></div>
            <div class="field"><label for="f-name">Name <span class="muted u-plain">(optional)</span></label><input id="f-name" name="name" autocomplete="off" /></div>
            <div class="field wide"><label for="f-details">Details <span class="muted u-plain">(optional)</span></label><textarea id="f-details" name="details" maxlength="2000"></textarea></div>
          </div>
          <div class="form-actions">
            <a class="button" href="/console/privacy">Cancel</a>
            <button class="primary" type="submit" ?disabled=${this.busy}>File and send the confirmation link</button>
          </div>
        </form>
      </section>
    </div>`;
  }

  private async file(event: SubmitEvent) {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const opt = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    this.error = null;
    this.busy = true;
    try {
      const { request } = await this.store.call(OperatorEvent.privacyFile, {
        type: f.get('type') as RequestType,
        email: String(f.get('email') ?? ''),
        lang: f.get('lang') === 'ru' ? 'ru' : 'en',
        ...(opt('name') ? { name: opt('name') } : {}),
        ...(opt('details') ? { details: opt('details') } : {}),
      });
      this.store.requests.set(request.id, request);
      this.dispatchEvent(new CustomEvent('cw-filed', { detail: request.id }));
    } catch (e) {
      this.error = failure(e);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-privacy-file': CwPrivacyFile;
  }
}

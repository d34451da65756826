import { LitElement, css, html, nothing } from 'lit';
import { REQUEST_TYPES, type RequestType } from '../../shared/privacy';
import type { TrackedRequest } from '../../shared/protocol';
import { RpcError } from '../common/rpc';
import { errorText, stateLabel, typeLabel, type Strings } from '../common/i18n';
import { controls } from './styles';
import { explainRequest } from './request-words';
import { systemOutcome, systemWords, systemsDone } from './system-words';
import type { VisitorConnection } from './visitor-connection';

type Step =
  | { name: 'menu' }
  | { name: 'details'; type: RequestType }
  | { name: 'code'; type: RequestType; verificationId: string }
  | { name: 'done'; tracked: TrackedRequest; alreadyOpen: boolean };

/**
 * The structured privacy-request flow inside the chat: pick a type, read what happens, give the e-mail,
 * type the mailed code, get a reference and due date. "My requests" shows each request's live status.
 *
 * @fires cw-back - the visitor wants to return to the chat
 */
export class CwPrivacyFlow extends LitElement {
  // `static properties`, not decorators: see CwChatPanel.
  static override properties = {
    connection: { attribute: false },
    t: { attribute: false },
    requests: { attribute: false },
    locale: {},
    step: { state: true },
    error: { state: true },
    busy: { state: true },
  };

  static override styles = [
    controls,
    css`
    :host { display: block; padding: 12px 16px; overflow-y: auto; color: var(--cw-fg); }
    h2 { font-size: 17px; margin: 4px 0 10px; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    p { margin: 6px 0; }
    .types { display: grid; gap: 8px; }
    button { font: inherit; border-radius: 8px; border: 1px solid var(--cw-border); background: var(--cw-bg); color: var(--cw-fg); padding: 9px 12px; cursor: pointer; text-align: left; }
    button.btn { background: var(--cw-accent); color: var(--cw-on-accent); text-align: center; }
    textarea { width: 100%; }
    .row { display: flex; gap: 8px; margin-top: 12px; flex-wrap: wrap; }
    .muted { color: var(--cw-muted); font-size: 14px; }
    ul { list-style: none; padding: 0; margin: 0; }
    li { border: 1px solid var(--cw-border); border-radius: 8px; padding: 8px 10px; margin-bottom: 6px; }
    .state { font-weight: 700; }
    .ref { font-family: ui-monospace, monospace; }
    .systems { margin-top: 6px; font-size: 14px; }
    .systems ul { margin-top: 4px; }
    .systems li { border: 0; border-top: 1px solid var(--cw-border); border-radius: 0; padding: 4px 0; margin: 0; display: flex; flex-wrap: wrap; gap: 2px 8px; justify-content: space-between; }
    .systems .outcome { color: var(--cw-muted); overflow-wrap: anywhere; }
  `,
  ];

  connection!: VisitorConnection;
  t!: Strings;
  /**
   * The requests this browser follows, handed down by the panel. A property (a new array on every change)
   * rather than a read of `connection.requests`: the connection updates only the panel, so live status
   * pushes would never re-render this element.
   */
  requests: TrackedRequest[] = [];
  locale: 'en' | 'ru' = 'en';
  private step: Step = { name: 'menu' };
  private error: string | null = null;
  private busy = false;

  override render() {
    return html`<h2>${this.t.privacyTitle}</h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing} ${this.renderStep()}
      <div class="row"><button type="button" @click=${this.back}>${this.t.back}</button></div>`;
  }

  private renderStep() {
    const t = this.t;
    switch (this.step.name) {
      case 'menu':
        return html`<p>${t.privacyIntro}</p>
          <div class="types">
            ${REQUEST_TYPES.map((type) => html`<button type="button" @click=${() => this.go({ name: 'details', type })}>${typeLabel(t, type)}</button>`)}
          </div>
          ${this.renderRequests()}`;
      case 'details': {
        const type = this.step.type;
        return html`<h3>${typeLabel(t, type)}</h3>
          <p>${explainRequest(this.locale, type)}</p>
          <form @submit=${this.submitDetails}>
            <label for="email">${t.email}</label>
            <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" />
            <label for="name">${t.name}</label>
            <input id="name" name="name" autocomplete="name" maxlength="200" />
            ${
              type === 'rectification'
                ? html`<label for="details">${t.details}</label><textarea id="details" name="details" rows="3" required maxlength="2000"></textarea>`
                : nothing
            }
            <div class="row">
              <button class="btn" type="submit" ?disabled=${this.busy}>${t.sendCode}</button>
              <button type="button" @click=${() => this.go({ name: 'menu' })}>${t.cancel}</button>
            </div>
          </form>`;
      }
      case 'code':
        return html`<p role="status">${t.codeSent}</p>
          <form @submit=${this.submitCode}>
            <label for="code">${t.code}</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required />
            <div class="row">
              <button class="btn" type="submit" ?disabled=${this.busy}>${t.confirm}</button>
              <button type="button" @click=${this.resend} ?disabled=${this.busy}>${t.resend}</button>
            </div>
          </form>`;
      case 'done': {
        return html`<p role="status">${this.step.alreadyOpen ? t.alreadyOpen : t.filed}</p>
          ${this.renderRequest(this.step.tracked)}
          <div class="row"><button type="button" @click=${() => this.go({ name: 'menu' })}>${t.myRequests}</button></div>`;
      }
    }
  }

  private renderRequests() {
    const requests = this.requests;
    return html`<h3>${this.t.myRequests}</h3>
      ${requests.length ? html`<ul aria-label=${this.t.myRequests}>${requests.map((r) => html`<li>${this.renderRequest(r)}</li>`)}</ul>` : html`<p class="muted">${this.t.noRequests}</p>`}`;
  }

  private renderRequest(tracked: TrackedRequest) {
    const t = this.t;
    // The live copy, if the server pushed an update since.
    const request = this.requests.find((r) => r.request.reference === tracked.request.reference)?.request ?? tracked.request;
    const date = (ms: number) =>
      new Date(ms).toLocaleDateString(this.locale === 'ru' ? 'ru-RU' : 'en-GB', { year: 'numeric', month: 'long', day: 'numeric' });
    return html`<div role="group" aria-label=${`${t.reference} ${request.reference}`} data-reference=${request.reference}>
      <div><span class="ref">${request.reference}</span> · ${typeLabel(t, request.type)}</div>
      <div class="state" data-state=${request.state}>${stateLabel(t, request.state)}</div>
      ${
        request.dueAt && (request.state === 'verified' || request.state === 'in_progress')
          ? html`<div class="muted">${t.due} ${date(request.dueAt)}${request.extended ? ` (${t.extended})` : ''}</div>`
          : nothing
      }
      ${request.systems.length ? this.renderSystems(request) : nothing}
      ${
        request.state === 'rejected' && request.rejectionReason
          ? html`<div>${t.rejectedBecause} ${request.rejectionReason}</div><div class="muted">${t.complainRight}</div>`
          : nothing
      }
    </div>`;
  }

  private renderSystems(request: TrackedRequest['request']) {
    const w = systemWords(this.locale);
    const progress = w.progress(systemsDone(request.systems), request.systems.length);
    return html`<div class="systems" role="group" aria-label=${`${w.systems}: ${progress}`}>
      <div data-testid="systems-progress">${progress}</div>
      <ul aria-label=${w.systems}>
        ${request.systems.map(
          (s) =>
            html`<li data-state=${s.state}><span>${s.name}</span><span class="outcome">${systemOutcome(this.locale, request.type, s)}</span></li>`,
        )}
      </ul>
    </div>`;
  }

  /** Opens the flow at a given step (the chat offers it when a message looks like a privacy request). */
  reset(): void {
    this.go({ name: 'menu' });
  }

  private go(step: Step): void {
    this.step = step;
    this.error = null;
    void this.updateComplete.then(() => (this.renderRoot.querySelector('input, button') as HTMLElement | null)?.focus());
  }

  private back = () => {
    this.dispatchEvent(new CustomEvent('cw-back'));
  };

  private async submitDetails(event: SubmitEvent) {
    event.preventDefault();
    if (this.step.name !== 'details') return;
    const type = this.step.type;
    const form = new FormData(event.target as HTMLFormElement);
    const name = String(form.get('name') ?? '').trim();
    const details = String(form.get('details') ?? '').trim();
    await this.run(async () => {
      const result = await this.connection.startPrivacy({
        type,
        email: String(form.get('email') ?? ''),
        lang: this.locale,
        ...(name ? { name } : {}),
        ...(details ? { details } : {}),
      });
      if (result.status === 'code_sent') this.go({ name: 'code', type, verificationId: result.verificationId });
      else this.go({ name: 'done', tracked: result, alreadyOpen: result.alreadyOpen });
    });
  }

  private async submitCode(event: SubmitEvent) {
    event.preventDefault();
    if (this.step.name !== 'code') return;
    const { verificationId } = this.step;
    const code = String(new FormData(event.target as HTMLFormElement).get('code') ?? '').trim();
    await this.run(async () => {
      const filed = await this.connection.verifyPrivacy(verificationId, code);
      this.go({ name: 'done', tracked: filed, alreadyOpen: filed.alreadyOpen });
    });
  }

  private resend = async () => {
    if (this.step.name !== 'code') return;
    const { verificationId } = this.step;
    await this.run(() => this.connection.resendCode(verificationId));
  };

  private async run(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
    } catch (error) {
      this.error = error instanceof RpcError ? errorText(this.t, error.error.code, error.message) : this.t.reconnecting;
    } finally {
      this.busy = false;
    }
  }
}

customElements.define('cw-privacy-flow', CwPrivacyFlow);

declare global {
  interface HTMLElementTagNameMap {
    'cw-privacy-flow': CwPrivacyFlow;
  }
}

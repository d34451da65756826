import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { MessageDto } from '../../shared/types';
import { catalogue, looksLikePrivacyRequest, type Strings } from '../common/i18n';
import type { WidgetConfig } from '../common/widget-api';
import './cw-privacy-flow';
import type { CwPrivacyFlow } from './cw-privacy-flow';
import { VisitorConnection, type PendingMessage } from './visitor-connection';

/**
 * The chat panel: messages, composer, presence, and the way into the privacy flow.
 *
 * @fires cw-close - the visitor pressed Esc or the close button
 * @fires cw-incoming - an operator message arrived (detail: MessageDto)
 * @csspart panel - the panel box
 * @csspart composer - the message form
 * @cssprop --cw-accent - accent colour
 */
@customElement('cw-chat-panel')
export class CwChatPanel extends LitElement {
  static override styles = css`
    :host { display: block; }
    .panel { box-sizing: border-box; width: 370px; height: min(580px, calc(100vh - 110px)); display: flex; flex-direction: column; background: var(--cw-bg); color: var(--cw-fg); border: 1px solid var(--cw-border); border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.22); overflow: hidden; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    @media (max-width: 480px) { .panel { position: fixed; inset: 0; width: 100vw; height: 100vh; border-radius: 0; border: 0; } }
    header { background: var(--cw-accent); color: var(--cw-on-accent); padding: 12px 14px; display: flex; align-items: center; gap: 8px; }
    header h2 { font-size: 16px; margin: 0; flex: 1; }
    .presence { font-size: 13px; opacity: .95; display: block; font-weight: 400; }
    header button { all: unset; cursor: pointer; padding: 4px 8px; border-radius: 6px; font-size: 20px; line-height: 1; }
    header button:focus-visible { outline: 2px solid var(--cw-on-accent); }
    .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
    .msg { max-width: 80%; padding: 8px 11px; border-radius: 12px; overflow-wrap: anywhere; }
    .text { white-space: pre-wrap; }
    .msg.visitor { align-self: flex-end; background: var(--cw-bubble-visitor); color: var(--cw-on-accent); border-bottom-right-radius: 4px; }
    .msg.operator, .msg.system { align-self: flex-start; background: var(--cw-bubble-operator); color: var(--cw-fg); border-bottom-left-radius: 4px; }
    .meta { font-size: 12px; opacity: .8; margin-top: 2px; }
    .failed { outline: 2px solid var(--cw-danger); }
    .offer { align-self: stretch; border: 1px dashed var(--cw-border); border-radius: 10px; padding: 8px 10px; font-size: 14px; }
    .typing, .status { color: var(--cw-muted); font-size: 13px; padding: 0 14px 4px; }
    form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--cw-border); }
    textarea { flex: 1; resize: none; font: inherit; padding: 8px; border-radius: 8px; border: 1px solid var(--cw-border); background: var(--cw-bg); color: var(--cw-fg); min-height: 40px; max-height: 120px; }
    button.send, .offer button, .retry { font: inherit; border: 0; border-radius: 8px; background: var(--cw-accent); color: var(--cw-on-accent); padding: 0 14px; cursor: pointer; }
    .retry { padding: 2px 8px; margin-left: 6px; font-size: 12px; background: var(--cw-danger); }
    .offer button { padding: 6px 10px; margin-top: 6px; }
    textarea:focus-visible, button:focus-visible { outline: 3px solid var(--cw-accent); outline-offset: 2px; }
    footer { display: flex; justify-content: space-between; gap: 8px; padding: 6px 12px 10px; font-size: 13px; }
    footer a, footer button { all: unset; color: var(--cw-accent); cursor: pointer; text-decoration: underline; }
    @media (prefers-color-scheme: dark) { footer a, footer button { color: #9db4ff; } }
    footer a:focus-visible, footer button:focus-visible { outline: 2px solid var(--cw-accent); }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  @property({ attribute: false }) config!: WidgetConfig;
  @state() private view: 'chat' | 'privacy' = 'chat';
  @state() private offerPrivacy = false;
  @state() private announcement = '';
  @query('textarea') private composer?: HTMLTextAreaElement;
  @query('.log') private log?: HTMLElement;

  private connection!: VisitorConnection;
  private t!: Strings;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;

  override connectedCallback(): void {
    this.t = catalogue(this.config.lang);
    this.connection ??= new VisitorConnection(this, this.config.server, this.config.lang, (m) => this.incoming(m));
    super.connectedCallback();
  }

  focusComposer(): void {
    void this.updateComplete.then(() => (this.view === 'chat' ? this.composer?.focus() : (this.renderRoot.querySelector('cw-privacy-flow button') as HTMLElement | null)?.focus()));
  }

  get conn(): VisitorConnection {
    return this.connection;
  }

  override render() {
    const t = this.t;
    const c = this.connection;
    return html`<section class="panel" part="panel" role="dialog" aria-label=${t.title} @keydown=${this.onKeydown}>
      <header>
        <h2>${t.title}<span class="presence">${c.connected ? (c.operatorsOnline ? t.online : t.offline) : t.reconnecting}</span></h2>
        <button type="button" aria-label=${t.closeChat} @click=${this.close}>×</button>
      </header>
      ${this.view === 'privacy'
        ? html`<cw-privacy-flow style="flex:1" .connection=${c} .requests=${c.requests} .t=${t} locale=${this.config.lang} @cw-back=${this.showChat}></cw-privacy-flow>`
        : this.renderChat()}
      <div class="sr-only" aria-live="polite">${this.announcement}</div>
    </section>`;
  }

  private renderChat() {
    const t = this.t;
    const c = this.connection;
    const time = (ms: number) => new Date(ms).toLocaleTimeString(this.config.lang === 'ru' ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
    return html`<div class="log" role="log" aria-label=${t.title}>
        <div class="msg system">${this.config.greeting ?? t.greeting}</div>
        ${c.messages.map(
          (m) => html`<div class="msg ${m.author}" data-seq=${m.seq}>
            <span class="text">${m.text}</span>
            <div class="meta">${m.author === 'operator' ? `${m.operatorName ?? t.operator} · ` : ''}${time(m.createdAt)}${m.author === 'visitor' ? ` · ${t.sent}` : ''}</div>
          </div>`,
        )}
        ${c.pending.map((p) => this.renderPending(p, time))}
        ${this.offerPrivacy
          ? html`<div class="offer">${t.offerPrivacy}<br /><button type="button" @click=${this.showPrivacy}>${t.offerButton}</button></div>`
          : nothing}
      </div>
      ${c.operatorTyping !== null ? html`<div class="typing">${c.operatorTyping || t.operator} ${t.typing}</div>` : nothing}
      <form part="composer" @submit=${this.submit}>
        <textarea aria-label=${t.message} placeholder=${t.message} rows="1" maxlength="4000" @keydown=${this.onComposerKey} @input=${this.onInput}></textarea>
        <button class="send" type="submit">${t.send}</button>
      </form>
      <footer>
        <button type="button" @click=${this.showPrivacy}>${t.privacyEntry}</button>
        ${this.config.privacyUrl ? html`<a href=${this.config.privacyUrl} target="_blank" rel="noopener noreferrer">${t.privacyPolicy}</a>` : nothing}
      </footer>`;
  }

  private renderPending(p: PendingMessage, time: (ms: number) => string) {
    return html`<div class="msg visitor ${p.failed ? 'failed' : ''}" data-pending=${p.clientId}>
      <span class="text">${p.text}</span>
      <div class="meta">${time(p.createdAt)} · ${p.failed ? this.t.failed : this.t.sending}${p.failed
          ? html`<button class="retry" type="button" @click=${() => this.connection.retry(p.clientId)}>${this.t.retry}</button>`
          : nothing}</div>
    </div>`;
  }

  override updated(): void {
    if (this.log) this.log.scrollTop = this.log.scrollHeight;
  }

  private incoming(message: MessageDto): void {
    if (message.author === 'operator') {
      this.announcement = `${message.operatorName ?? this.t.operator}: ${message.text}`;
      this.dispatchEvent(new CustomEvent('cw-incoming', { detail: message }));
    }
  }

  private submit(event: Event): void {
    event.preventDefault();
    const text = this.composer?.value.trim() ?? '';
    if (!text) return;
    this.connection.send(text);
    if (looksLikePrivacyRequest(text)) this.offerPrivacy = true;
    this.composer!.value = '';
    this.stopTyping();
  }

  private onComposerKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit(event);
    }
  }

  private onInput(): void {
    if (!this.typingTimer) this.connection.setTyping(true);
    else clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), 3000);
  }

  private stopTyping(): void {
    if (this.typingTimer) {
      clearTimeout(this.typingTimer);
      this.typingTimer = null;
      this.connection.setTyping(false);
    }
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.close();
    }
  }

  private close = () => this.dispatchEvent(new CustomEvent('cw-close'));

  private showPrivacy = () => {
    this.view = 'privacy';
    this.offerPrivacy = false;
    void this.updateComplete.then(() => {
      const flow = this.renderRoot.querySelector<CwPrivacyFlow>('cw-privacy-flow');
      flow?.reset();
    });
  };

  private showChat = () => {
    this.view = 'chat';
    this.focusComposer();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-chat-panel': CwChatPanel;
  }
}

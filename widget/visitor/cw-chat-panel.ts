import { LitElement, css, html, nothing, svg } from 'lit';
import type { MessageDto } from '../../shared/types';
import { catalogue, errorText, looksLikePrivacyRequest, type Strings } from '../common/i18n';
import { linkify } from '../common/linkify';
import { STORAGE, type IdentifyData, type WidgetConfig } from '../common/widget-api';
import { chime } from './chime';
import { controls } from './styles';
import type { CwPrivacyFlow } from './cw-privacy-flow';
import type { VisitorAttachments } from './attachments';
import { VisitorConnection, load, save, type PendingMessage } from './visitor-connection';

/** An inline stroke icon (system fonts may lack symbol glyphs); its button carries the accessible name. */
const icon = (d: string) => svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${d} /></svg>`;

/**
 * The chat panel: messages with their state and time, composer, presence and the offline form, typing,
 * unread count and chime, and the way into the privacy flow.
 *
 * @fires cw-close - the visitor pressed Esc or the close button
 * @fires cw-message - a message appeared after the conversation loaded (detail: MessageDto)
 * @fires cw-unread - the number of unread operator messages changed (detail: number)
 * @csspart panel - the panel box; header, close, log, message, message-visitor, message-operator,
 *   composer, input, send, away, footer - its pieces
 * @cssprop --cw-accent - accent colour (and --cw-on-accent, --cw-bg, --cw-fg, --cw-muted, --cw-border, …)
 *
 * Reactive properties are declared in `static properties` rather than with decorators: the decorator
 * helpers would add to the widget's gzipped size, which has a budget (`npm run size`).
 */
export class CwChatPanel extends LitElement {
  static override properties = {
    config: { attribute: false },
    identity: { attribute: false },
    open: { type: Boolean },
    view: { state: true },
    offerPrivacy: { state: true },
    announcement: { state: true },
    contactError: { state: true },
    soundOn: { state: true },
    transcriptOpen: { state: true },
  };

  static override styles = [
    controls,
    css`
    :host { display: block; } :host([hidden]) { display: none; } cw-privacy-flow { flex: 1; min-height: 0; }
    .panel { box-sizing: border-box; width: 370px; height: min(580px, calc(100vh - 110px)); display: flex; flex-direction: column; background: var(--cw-bg); color: var(--cw-fg); border: 1px solid var(--cw-border); border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.22); overflow: hidden; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    @media (max-width: 480px) { .panel { position: fixed; inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; } }
    header { background: var(--cw-accent); color: var(--cw-on-accent); padding: 10px 8px 10px 14px; display: flex; align-items: center; gap: 4px; }
    h2 { font-size: 16px; margin: 0; flex: 1; }
    .presence { font-size: 13px; display: block; font-weight: 400; min-height: 1.4em; }
    header button { all: unset; cursor: pointer; width: 36px; height: 36px; display: grid; place-items: center; border-radius: 8px; }
    :is(header, .attach) svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
    .panel header button:focus-visible { outline: 2px solid var(--cw-on-accent); outline-offset: -2px; }
    .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
    .msg { max-width: 80%; padding: 8px 11px; border-radius: 12px; overflow-wrap: anywhere; }
    .text { white-space: pre-wrap; }
    .msg.visitor { align-self: flex-end; background: var(--cw-bubble-visitor); color: var(--cw-on-bubble-visitor); border-bottom-right-radius: 4px; }
    .msg.operator, .msg.system { align-self: flex-start; background: var(--cw-bubble-operator); color: var(--cw-fg); border-bottom-left-radius: 4px; }
    .msg.system { font-style: italic; }
    .who { font-size: 12px; font-weight: 700; }
    .meta { font-size: 12px; margin-top: 2px; }
    .failed { outline: 2px solid var(--cw-danger); outline-offset: 1px; }
    .card { align-self: stretch; border: 1px solid var(--cw-border); border-radius: 10px; padding: 10px 12px; font-size: 14px; }
    .card strong { display: block; }
    .typing, .status { color: var(--cw-muted); font-size: 13px; padding: 0 14px 4px; }
    form.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--cw-border); }
    textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; }
    .card .btn { margin-top: 8px; }
    .retry { padding: 1px 8px; margin: 0 0 0 6px; font-size: 12px; background: var(--cw-bg); color: var(--cw-fg); }
    .link { all: unset; color: var(--cw-link); cursor: pointer; text-decoration: underline; }
    footer { display: flex; justify-content: space-between; gap: 8px; padding: 6px 12px 10px; font-size: 13px; }
    .attach { background: none; color: var(--cw-fg); border-color: var(--cw-border); padding: 7px 9px; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `,
  ];

  config!: WidgetConfig;
  identity: IdentifyData | null = null;
  /** Set by the loader's handle: whether the visitor can see the panel. */
  open = false;
  private view: 'chat' | 'privacy' = 'chat';
  private offerPrivacy = false;
  private announcement = '';
  private contactError = '';
  private soundOn = load<string>(STORAGE.sound, 'on') !== 'off';
  private transcriptOpen = false;

  private get composer(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  private get log(): HTMLElement | null {
    return this.renderRoot.querySelector('.log');
  }

  private connection!: VisitorConnection;
  private t!: Strings;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private lastUnread = 0;
  /** Attachments, a chunk loaded the first time a file is attached or shown. */
  private files?: VisitorAttachments;
  private loadingFiles?: Promise<VisitorAttachments>;

  override connectedCallback(): void {
    this.t = catalogue(this.config.lang);
    this.connection ??= new VisitorConnection(this, this.config.server, this.config.lang, (m) => this.onNew(m), this.identity);
    document.addEventListener('visibilitychange', this.onVisibility);
    super.connectedCallback();
  }

  override disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    super.disconnectedCallback();
  }

  /** Coming back to the tab with the panel open reads what arrived meanwhile. */
  private onVisibility = () => this.requestUpdate();

  get conn(): VisitorConnection {
    return this.connection;
  }

  focusComposer(): void {
    void this.updateComplete.then(() =>
      (this.view === 'chat' ? this.composer : this.renderRoot.querySelector<HTMLElement>('cw-privacy-flow'))?.focus(),
    );
  }

  override render() {
    const t = this.t;
    const c = this.connection;
    const presence = !c.loaded ? '' : !c.connected ? t.reconnecting : this.away ? t.awayTitle : t.online;
    return html`<section class="panel" part="panel" role="dialog" aria-label=${t.title} @keydown=${this.onKeydown}
      @dragenter=${this.onDrag} @dragover=${this.onDrag} @dragleave=${this.onDrag} @drop=${this.onDrag}>
      <header part="header">
        <h2>${t.title}<span class="presence">${presence}</span></h2>
        ${
          this.config.sound
            ? html`<button type="button" aria-pressed=${String(this.soundOn)} aria-label=${this.soundOn ? t.soundOn : t.soundOff} @click=${this.toggleSound}>
${icon(`M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zm4 3h4${this.soundOn ? '' : 'M3 3l18 18'}`)}</button>`
            : nothing
        }
        <button type="button" part="close" aria-label=${t.closeChat} @click=${this.close}>${icon('M6 6l12 12M18 6 6 18')}</button>
      </header>
      ${
        this.view === 'privacy'
          ? html`<cw-privacy-flow tabindex="-1" .connection=${c} .requests=${c.requests} .t=${t} locale=${this.config.lang} @cw-back=${this.showChat}></cw-privacy-flow>`
          : this.prechatShown()
            ? html`<cw-prechat-form .connection=${c} .form=${c.prechat} locale=${this.config.lang}></cw-prechat-form>`
            : this.renderChat()
      }
      <div class="sr-only" aria-live="polite">${this.announcement}</div>
      ${this.files?.hint()}
    </section>`;
  }

  /** Nobody online, or closed by the business hours: the offline form. */
  private get away(): boolean {
    const c = this.connection;
    return c.loaded && !(c.operatorsOnline && c.availability?.open);
  }

  private renderChat() {
    const t = this.t;
    const c = this.connection;
    const f = this.files;
    if (!f && (c.messages.some((m) => m.attachment) || c.pending.some((p) => p.file))) void this.attachments();
    // Offline, the header says "Reconnecting…" (its line keeps its height); with messages kept, a line above
    // the composer says they will be sent.
    return html`<div class="log" part="log" role="log" aria-live="off" aria-label=${t.title}>
        <div class="msg system">${c.greeting ?? this.config.greeting ?? t.greeting}</div>
        ${c.erased ? html`<div class="msg system" role="status">${t.erased}</div>` : nothing}
        ${this.away ? this.renderAway() : nothing}
        ${c.messages.map(
          (m) => html`<div class="msg ${m.author}" part="message message-${m.author}" data-seq=${m.seq}>
            ${m.author === 'operator' ? html`<div class="who">${m.operatorName ?? t.operator}</div>` : nothing}
            ${m.attachment && f?.show(m.attachment)}<span class="text">${linkify(m.text)}</span>
            <div class="meta">${this.time(m.createdAt)}${m.author === 'visitor' ? ` · ${t.sent}` : ''}</div>
          </div>`,
        )}
        ${c.pending.map((p) => this.renderPending(p))}
        ${c.ratingAsk ? html`<cw-rating .connection=${c} .ask=${c.ratingAsk}></cw-rating>` : nothing}
        ${
          this.offerPrivacy
            ? html`<div class="card">${t.offerPrivacy}<br /><button class="btn" type="button" @click=${this.showPrivacy}>${t.offerButton}</button></div>`
            : nothing
        }
      </div>
      ${c.operatorTyping !== null ? html`<div class="typing" role="status">${c.operatorTyping || t.operator} ${t.typing}</div>` : nothing}
      ${!c.connected && c.pending.length ? html`<div class="status" role="status">${t.waitingForNetwork}</div>` : nothing}
      ${this.files?.problem()}
      ${
        this.transcriptOpen
          ? html`<cw-transcript .connection=${c} conversationId=${c.messages[0]?.conversationId} .email=${c.contactEmail}
            @cw-close=${this.toggleTranscript}></cw-transcript>`
          : nothing
      }
      <form class="composer" part="composer" @submit=${this.submit}>
        <input type="file" hidden multiple accept=${c.limits.types.join(',')} @change=${(e: Event) => this.addFiles((e.target as HTMLInputElement).files)} />
        <button class="btn attach" part="attach" type="button" aria-label=${t.attach} @click=${() => this.renderRoot.querySelector<HTMLInputElement>('[type=file]')!.click()}>
${icon('M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6')}</button>
        <textarea part="input" aria-label=${t.message} placeholder=${t.message} rows="1" maxlength="4000" @keydown=${this.onComposerKey} @input=${this.onInput} @paste=${this.onPaste}></textarea>
        <button class="btn" part="send" type="submit">${t.send}</button>
      </form>
      <footer part="footer">
        <button class="link" type="button" @click=${this.showPrivacy}>${t.privacyEntry}</button>
        ${c.messages.length ? html`<button class="link" type="button" aria-expanded=${String(this.transcriptOpen)} @click=${this.toggleTranscript}>${t.transcript}</button>` : nothing}
        ${this.config.privacyUrl ? html`<a class="link" href=${this.config.privacyUrl} target="_blank" rel="noopener noreferrer">${t.privacyPolicy}</a>` : nothing}
      </footer>`;
  }

  /** The admin's form before the first message (or only while nobody is online); a chunk of its own, fetched when shown. */
  private prechatShown(): boolean {
    const c = this.connection;
    const show = !!c.prechat && !c.messages.length && (c.prechat.mode === 'always' || !c.operatorsOnline);
    if (show) import('./cw-prechat-form').catch(() => (this.announcement = this.t.waitingForNetwork));
    return show;
  }

  /** Away (nobody online, or closed by the hours): when the team is back, the admin's away message, and an e-mail to reply to. */
  private renderAway() {
    const t = this.t;
    const { contactEmail: email, availability: a, awayMessage } = this.connection;
    return html`<div class="card" part="away" role="group" aria-label=${t.awayTitle}>
      <cw-back-at .availability=${a} locale=${this.config.lang}></cw-back-at>
      ${awayMessage ?? t.awayBody}
      ${
        email
          ? html`<p>${t.contactSaved} <b>${email}</b>. <button class="link" type="button" @click=${() => this.connection.setContact(null)}>${t.contactChange}</button></p>`
          : html`<form @submit=${this.saveContact}>
            <label for="cw-email">${t.contactEmail}</label>
            <input id="cw-email" name="email" type="email" autocomplete="email" required maxlength="254" />
            <label for="cw-name">${t.contactName}</label>
            <input id="cw-name" name="name" autocomplete="name" maxlength="200" />
            ${this.contactError ? html`<p class="error" role="alert">${this.contactError}</p>` : nothing}
            <button class="btn" type="submit">${t.contactSave}</button>
          </form>`
      }
    </div>`;
  }

  /** "Sending…" until acknowledged; "Not sent" (with the reason, retry and remove) when refused or long offline. */
  private renderPending(p: PendingMessage) {
    const t = this.t;
    const c = this.connection;
    const notSent = c.notSent(p);
    const f = p.file ? this.files : undefined;
    const why = f
      ? f.why(p)
      : p.refused && (p.refused.code === 'rate_limited' ? t.tooFast : errorText(t, p.refused.code, p.refused.message));
    return html`<div class="msg visitor ${notSent ? 'failed' : ''}" part="message message-visitor" data-pending=${p.clientId}>
      <span class="text">${p.file ? p.file.name : p.text}</span>
      <div class="meta">${this.time(p.createdAt)} · ${notSent ? t.failed : (f?.state(p) ?? t.sending)}${why ? ` · ${why}` : ''}${
        notSent
          ? html`${f?.lost(p) ? nothing : html`<button class="btn retry" type="button" @click=${() => c.retry(p.clientId)}>${t.retry}</button>`}<button class="btn retry" type="button" @click=${() => c.remove(p.clientId)}>${t.remove}</button>`
          : nothing
      }</div>
    </div>`;
  }

  private time(ms: number): string {
    const at = new Date(ms);
    const today = at.toDateString() === new Date().toDateString();
    return at.toLocaleString(
      this.config.lang === 'ru' ? 'ru-RU' : 'en-GB',
      today ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' },
    );
  }

  override willUpdate(): void {
    // The rating card and the away card's "back at" line are chunks of their own, fetched when shown.
    if (this.connection.ratingAsk) import('./cw-rating').catch(() => undefined);
    if (this.away) import('./cw-back-at').catch(() => undefined);
  }

  override updated(): void {
    if (this.log) this.log.scrollTop = this.log.scrollHeight;
    // Seen means: the panel is open in a visible tab. Other tabs learn it through storage.
    if (this.open && !document.hidden && this.connection.loaded) this.connection.markRead();
    const unread = this.connection.unread;
    if (unread !== this.lastUnread) {
      this.lastUnread = unread;
      this.dispatchEvent(new CustomEvent('cw-unread', { detail: unread }));
    }
  }

  private onNew(message: MessageDto): void {
    this.dispatchEvent(new CustomEvent('cw-message', { detail: message }));
    if (message.author !== 'operator') return;
    this.announcement = `${message.operatorName ?? this.t.operator}: ${message.text}`;
    if (this.config.sound && this.soundOn && (!this.open || document.hidden) && load<number>(STORAGE.chimed, 0) < message.seq) {
      // One tab chimes per message, whichever hears it first.
      save(STORAGE.chimed, message.seq);
      chime();
    }
  }

  private toggleSound = () => {
    this.soundOn = !this.soundOn;
    save(STORAGE.sound, this.soundOn ? null : 'off');
  };

  private async saveContact(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this.contactError = '';
    try {
      await this.connection.leaveContact(String(form.get('email') ?? '').trim(), String(form.get('name') ?? '').trim());
    } catch {
      this.contactError = this.t.err_invalid_payload;
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

  private attachments(): Promise<VisitorAttachments> {
    this.loadingFiles ??= import('./attachments').then(({ VisitorAttachments }) => {
      this.files = new VisitorAttachments(this.connection, this.config.lang, () => this.requestUpdate(), this.renderRoot as ShadowRoot);
      // What was drawn without it (a message that is a file) is drawn again with it.
      this.requestUpdate();
      return this.files;
    });
    return this.loadingFiles;
  }

  /** Files picked, dropped or pasted (and drags over the panel, for the drop hint) go to the attachments chunk. */
  private addFiles(list: FileList | null | undefined, dragging = false): void {
    const files = [...(list ?? [])];
    this.attachments().then(
      (f) => {
        f.dragging = dragging;
        f.add(files);
      },
      () => {
        this.loadingFiles = undefined;
        this.announcement = this.t.waitingForNetwork;
      },
    );
  }

  /** Only a drop's files can be read, and only now; leaving for a child of the panel is still over it. */
  private onDrag = (event: DragEvent) => {
    const { type, dataTransfer } = event;
    if (!dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    const over = type !== 'drop' && (type !== 'dragleave' || (event.currentTarget as Node).contains(event.relatedTarget as Node));
    if (over !== this.files?.dragging || type === 'drop') this.addFiles(type === 'drop' ? dataTransfer.files : null, over);
  };

  /** A pasted image (a screenshot) is attached; pasted text goes into the composer as usual. */
  private onPaste = (event: ClipboardEvent) => {
    if (event.clipboardData?.files.length) {
      event.preventDefault();
      this.addFiles(event.clipboardData.files);
    }
  };

  private close = () => this.dispatchEvent(new CustomEvent('cw-close'));

  private showPrivacy = async () => {
    // The flow is a chunk of its own, fetched the first time a visitor opens it (the panel stays small).
    try {
      await import('./cw-privacy-flow');
    } catch {
      this.announcement = this.t.waitingForNetwork;
      return;
    }
    this.view = 'privacy';
    this.offerPrivacy = false;
    void this.updateComplete.then(() => {
      const flow = this.renderRoot.querySelector<CwPrivacyFlow>('cw-privacy-flow');
      flow?.reset();
    });
  };

  private toggleTranscript = async () => {
    if (!this.transcriptOpen) {
      try {
        await import('./cw-transcript');
      } catch {
        this.announcement = this.t.waitingForNetwork;
        return;
      }
    }
    this.transcriptOpen = !this.transcriptOpen;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(this.transcriptOpen ? 'cw-transcript' : 'footer [aria-expanded]')?.focus(),
    );
  };

  private showChat = () => {
    this.view = 'chat';
    this.focusComposer();
  };
}

customElements.define('cw-chat-panel', CwChatPanel);

declare global {
  interface HTMLElementTagNameMap {
    'cw-chat-panel': CwChatPanel;
  }
}

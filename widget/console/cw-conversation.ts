import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import type { CannedReplyDto, ConversationDto, MessageDto, NoteDto } from '../../shared/types';
import type { AttachmentDto } from '../../shared/attachments';
import { AttachmentLinks, formatSize, renderAttachment } from '../common/attachment-links';
import { openViewer } from '../common/cw-attachment-viewer';
import { linkify } from '../common/linkify';
import { RpcError } from '../common/rpc';
import type { ConsoleStore, OutgoingItem } from './console-store';
import { icon } from './icons';
import './cw-rating-badge';
import { consoleStyles, formatTime } from './styles';
import './cw-visitor-prechat';

type Mode = 'reply' | 'note';
type Item = { kind: 'message'; m: MessageDto } | { kind: 'note'; n: NoteDto };

/** The visitor's local time now, or null when the zone is unknown. */
function localTime(zone: string | null): string | null {
  if (!zone) return null;
  try {
    return new Date().toLocaleTimeString('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
  } catch {
    return null;
  }
}

/**
 * One conversation: its history (older pages load as you scroll up), internal notes between the
 * messages, the visitor's context, claim / transfer / resolve / reopen, and a composer that writes
 * replies or notes and inserts canned replies typed as "/shortcut". Files are attached to replies with the
 * paperclip, by dropping them on the thread or by pasting an image; they show as thumbnails (opening the
 * viewer) or as named links.
 */
@customElement('cw-conversation')
export class CwConversation extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: grid; grid-template-columns: minmax(0, 1fr) 232px; gap: 16px; min-height: 0; flex: 1; }
      /* The visitor's details give way to the thread when the pane is narrow. */
      @container (max-width: 640px) { :host { grid-template-columns: minmax(0, 1fr); } aside { display: none; } }
      .thread { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
      .toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; padding-bottom: 10px; border-bottom: 1px solid var(--cw-border); }
      .who { flex: 1 1 110px; min-width: 0; display: grid; }
      .who h2 { font-size: 17px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .who span { font-size: 13px; }
      .toolbar select { width: 130px; }
      .messages { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 6px; padding: 10px 0; min-height: 0; }
      .msg { max-width: 70%; padding: 7px 10px; border-radius: 10px; overflow-wrap: anywhere; }
      .text { white-space: pre-wrap; }
      .msg.visitor { align-self: flex-start; background: #eef0f3; color: #1c1e21; }
      .msg.operator { align-self: flex-end; background: var(--cw-accent); color: #fff; }
      .msg.system { align-self: center; background: transparent; color: var(--cw-muted); font-style: italic; }
      .msg.note { align-self: flex-end; background: #fff4c2; color: #3d3200; border: 1px dashed #b39200; }
      .meta { font-size: 12px; opacity: .8; }
      .msg.not-sent { outline: 2px solid var(--cw-danger); outline-offset: 1px; }
      .meta button { padding: 0 6px; margin-left: 6px; font-size: 12px; }
      .connection { min-height: 1.4em; margin: 0; font-size: 13px; }
      form { position: relative; display: grid; gap: 6px; }
      .modes { display: flex; gap: 4px; }
      .row { display: flex; gap: 8px; align-items: flex-end; }
      textarea { flex: 1; min-height: 44px; resize: vertical; }
      textarea.note { background: #fffbe6; color: #3d3200; }
      [role='listbox'] { position: absolute; bottom: 100%; left: 0; right: 0; max-height: 220px; overflow-y: auto; background: var(--cw-bg); border: 1px solid var(--cw-border); border-radius: 8px; margin: 0 0 4px; padding: 4px; list-style: none; box-shadow: 0 4px 16px #0002; }
      [role='option'] { padding: 6px 8px; border-radius: 6px; cursor: pointer; }
      [role='option'][aria-selected='true'] { background: var(--cw-accent); color: #fff; }
      aside { align-self: start; overflow-y: auto; max-height: 100%; }
      aside dl { display: grid; gap: 2px; margin: 0; }
      aside dt { font-weight: 600; margin-top: 8px; }
      aside dd { margin: 0; overflow-wrap: anywhere; }
      .thread { position: relative; }
      .thumb { display: block; padding: 0; margin: 2px 0; border: 0; border-radius: 8px; background: var(--cw-border); cursor: zoom-in; min-width: 80px; min-height: 60px; }
      .thumb img { display: block; max-width: min(260px, 100%); max-height: 200px; border-radius: 8px; }
      .file a { color: inherit; font-weight: 600; }
      .drop { position: absolute; inset: 0; display: grid; place-items: center; border: 3px dashed var(--cw-accent); border-radius: 12px; background: var(--cw-bg); font-weight: 700; pointer-events: none; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @property() conversationId!: string;
  @state() private mode: Mode = 'reply';
  @state() private error: string | null = null;
  @state() private suggestions: CannedReplyDto[] = [];
  @state() private active = 0;
  @state() private loadingOlder = false;
  /** A file is dragged over the thread (the drop hint shows). */
  @state() private dragging = false;
  /** Why the file just picked was not attached. */
  @state() private fileError: string | null = null;
  private readonly links = new AttachmentLinks(
    (attachmentId) => this.store.call(OperatorEvent.attachmentLink, { attachmentId }),
    () => this.requestUpdate(),
  );
  private stickToBottom = true;
  private keepOffset: number | null = null;
  private typingSent = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  private get conversation(): ConversationDto | undefined {
    return this.store.conversations.get(this.conversationId);
  }

  private items(): Item[] {
    const messages = this.store.messages.get(this.conversationId) ?? [];
    const notes = this.store.notes.get(this.conversationId) ?? [];
    const firstSeq = messages[0]?.seq ?? 0;
    const items: Item[] = [];
    let i = 0;
    // Notes written before the oldest loaded message wait until that page is loaded.
    const shown = notes.filter((n) => n.afterSeq >= firstSeq - 1 || this.store.complete.has(this.conversationId));
    for (const m of messages) {
      while (i < shown.length && shown[i].afterSeq < m.seq) items.push({ kind: 'note', n: shown[i++] });
      items.push({ kind: 'message', m });
    }
    while (i < shown.length) items.push({ kind: 'note', n: shown[i++] });
    return items;
  }

  override render() {
    const c = this.conversation;
    if (!c) return html`<p class="muted">Pick a conversation.</p>`;
    const me = this.store.operator;
    const colleagues = this.store.team.filter((m) => !m.disabled);
    const canTransfer = c.status === 'open' && (me.role === 'admin' || c.assignedOperatorId === null || c.assignedOperatorId === me.id);
    const time = localTime(c.timezone);
    return html`<section class="thread" aria-label="Conversation"
        @dragenter=${this.onDrag} @dragover=${this.onDrag} @dragleave=${this.onDrag} @drop=${this.onDrag}>
        ${this.dragging ? html`<div class="drop">Drop the file to send it to the visitor</div>` : nothing}
        <div class="toolbar">
          <div class="who"><h2 class="u-m0">${c.visitorLabel}</h2>
            <span class="muted">${c.status === 'resolved' ? 'Resolved' : c.assignedOperatorName ? `Assigned to ${c.assignedOperatorName}` : 'Unassigned'}</span></div>
          ${c.rating ? html`<cw-rating-badge .rating=${c.rating}></cw-rating-badge>` : nothing}
          ${c.assignedOperatorId === null && c.status === 'open' ? html`<button class="primary" type="button" @click=${this.claim}>Claim</button>` : nothing}
          ${
            canTransfer
              ? html`<label for="transfer" class="sr-only">Transfer to</label>
                <select id="transfer" @change=${this.transfer}>
                  <option value="">Transfer to…</option>
                  ${colleagues.filter((m) => m.id !== c.assignedOperatorId).map((m) => html`<option value=${m.id}>${m.name} (${m.presence})</option>`)}
                  ${c.assignedOperatorId !== null ? html`<option value="none">Nobody (unassign)</option>` : nothing}
                </select>`
              : nothing
          }
          ${c.status === 'open' ? html`<button type="button" @click=${this.toggleStatus}>Resolve</button>` : html`<button type="button" @click=${this.toggleStatus}>Reopen</button>`}
        </div>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <div class="messages" role="log" aria-label="Messages" @scroll=${this.onScroll}>
          ${
            this.store.complete.has(c.id)
              ? html`<p class="muted u-center">Start of the conversation</p>`
              : html`<button class="u-self-center" type="button" ?disabled=${this.loadingOlder} @click=${this.older}>Load earlier messages</button>`
          }
          ${this.items().map((item) =>
            item.kind === 'message'
              ? html`<div class="msg ${item.m.author}" data-seq=${item.m.seq}>${
                  item.m.attachment ? renderAttachment(item.m.attachment, this.links, 'en-GB', 'Open image', this.view) : nothing
                }<span class="text">${linkify(item.m.text)}</span>
                  <div class="meta">${item.m.author === 'operator' ? item.m.operatorName : item.m.author === 'visitor' ? c.visitorLabel : 'System'} · ${formatTime(item.m.createdAt)}</div></div>`
              : html`<div class="msg note" data-note=${item.n.id}><span class="text">${item.n.text}</span>
                  <div class="meta">Internal note · ${item.n.operatorName ?? 'former operator'} · ${formatTime(item.n.createdAt)}</div></div>`,
          )}
          ${this.outgoing(c.id).map((o) => this.renderOutgoing(o))}
          ${this.store.typing.has(c.id) ? html`<p class="muted">Visitor is typing…</p>` : nothing}
        </div>
        <form @submit=${this.submit}>
          <p class="connection muted" role="status">${
            this.store.connected
              ? this.store.back
                ? 'Connected again.'
                : ''
              : 'Reconnecting… Replies and notes you send now are kept and go out once the connection is back.'
          }</p>
          ${
            this.suggestions.length
              ? html`<ul role="listbox" id="canned" aria-label="Canned replies">
                ${this.suggestions.map(
                  (r, i) =>
                    html`<li role="option" id=${`canned-${r.id}`} aria-selected=${String(i === this.active)} @mousedown=${(e: Event) => {
                      e.preventDefault();
                      this.insert(r);
                    }}><strong>/${r.shortcut}</strong> <span class="muted">${r.text.slice(0, 80)}</span></li>`,
                )}
              </ul>`
              : nothing
          }
          <div class="modes" role="group" aria-label="Write">
            <button type="button" aria-pressed=${String(this.mode === 'reply')} @click=${() => this.setMode('reply')}>Reply</button>
            <button type="button" aria-pressed=${String(this.mode === 'note')} @click=${() => this.setMode('note')}>Internal note</button>
          </div>
          ${this.fileError ? html`<p class="error u-m0" role="alert">${this.fileError}</p>` : nothing}
          <div class="row">
            ${
              this.mode === 'reply'
                ? html`<input type="file" hidden multiple accept=${this.store.attachmentLimits.types.join(',')} @change=${this.picked} />
                  <button class="icon" type="button" aria-label="Attach a file" title="Attach a file" @click=${this.pick}>${icon('paperclip')}</button>`
                : nothing
            }
            <textarea
              class=${this.mode}
              aria-label=${this.mode === 'reply' ? 'Reply' : 'Internal note (only operators see it)'}
              placeholder=${this.mode === 'reply' ? 'Reply… (Enter sends, Shift+Enter new line, / for canned replies)' : 'Note for the team — the visitor never sees it'}
              maxlength="4000"
              role="combobox"
              aria-autocomplete="list"
              aria-expanded=${String(this.suggestions.length > 0)}
              aria-controls="canned"
              aria-activedescendant=${this.suggestions[this.active] ? `canned-${this.suggestions[this.active].id}` : ''}
              @keydown=${this.onKey}
              @input=${this.onInput}
              @paste=${this.onPaste}
              @blur=${() => this.sendTyping(false)}
            ></textarea>
            <button class="primary" type="submit">${this.mode === 'reply' ? 'Send' : 'Add note'}</button>
          </div>
        </form>
      </section>
      <aside class="card" aria-label="Visitor">
        <h3 class="u-mt0">Visitor</h3>
        <dl>
          <dt>Current page</dt><dd>${c.pageTitle ?? '—'}${c.pageUrl ? html`<br /><span class="muted">${c.pageUrl}</span>` : nothing}</dd>
          <dt>Came from</dt><dd>${c.referrer ?? 'Direct or unknown'}</dd>
          <dt>Language</dt><dd>${c.lang ?? '—'}</dd>
          <dt>Local time</dt><dd>${time ? `${time} (${c.timezone})` : '—'}</dd>
          <dt>Device</dt><dd>${c.device ?? '—'}</dd>
          <dt>First contact</dt><dd>${formatTime(c.createdAt)}</dd>
        </dl>
        <cw-visitor-prechat .store=${this.store} conversationId=${c.id}></cw-visitor-prechat>
      </aside>`;
  }

  /** This conversation's replies and notes not acknowledged yet (one already shown from a push is not repeated). */
  private outgoing(conversationId: string): OutgoingItem[] {
    const shown = new Set(
      [...(this.store.messages.get(conversationId) ?? []), ...(this.store.notes.get(conversationId) ?? [])].map((x) => x.clientId),
    );
    return this.store.outbox.filter((o) => o.conversationId === conversationId && !shown.has(o.clientId));
  }

  private renderOutgoing(o: OutgoingItem) {
    const notSent = this.store.notSent(o);
    return html`<div class="msg ${o.kind === 'reply' ? 'operator' : 'note'} ${notSent ? 'not-sent' : ''}" data-outgoing=${o.clientId}><span class="text">${
      o.file ? `${o.file.name} (${formatSize(o.file.size, 'en-GB')})` : o.text
    }</span>
      <div class="meta">${o.kind === 'note' ? 'Internal note · ' : ''}${
        notSent
          ? html`Not sent${o.refused ? `: ${o.refused}` : ' yet: no connection for over a minute; it goes once the connection is back.'}
            <button type="button" @click=${() => this.store.retry(o.clientId)}>Retry</button><button type="button" @click=${() => this.store.remove(o.clientId)}>Remove</button>`
          : o.progress !== undefined
            ? `Uploading… ${Math.round(o.progress * 100)}%`
            : 'Sending…'
      }</div></div>`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('conversationId')) {
      this.stickToBottom = true;
      this.suggestions = [];
      this.error = null;
    }
  }

  override updated(): void {
    const log = this.renderRoot.querySelector<HTMLElement>('.messages');
    if (!log) return;
    if (this.keepOffset !== null) {
      log.scrollTop = log.scrollHeight - this.keepOffset;
      this.keepOffset = null;
    } else if (this.stickToBottom) log.scrollTop = log.scrollHeight;
  }

  /** For keyboard shortcuts. */
  focusComposer(mode: Mode = 'reply'): void {
    this.setMode(mode);
    void this.updateComplete.then(() => this.renderRoot.querySelector('textarea')?.focus());
  }

  focusTransfer(): void {
    this.renderRoot.querySelector<HTMLSelectElement>('#transfer')?.focus();
  }

  claim = () => void this.run(() => this.store.call(OperatorEvent.conversationClaim, { conversationId: this.conversationId }));

  toggleStatus = () => {
    const open = this.conversation?.status === 'open';
    void this.run(() =>
      this.store.call(open ? OperatorEvent.conversationResolve : OperatorEvent.conversationReopen, { conversationId: this.conversationId }),
    );
  };

  private setMode(mode: Mode) {
    this.mode = mode;
    this.suggestions = [];
  }

  private transfer = (event: Event) => {
    const select = event.target as HTMLSelectElement;
    const value = select.value;
    select.value = '';
    if (!value) return;
    void this.run(() =>
      this.store.call(OperatorEvent.conversationAssign, {
        conversationId: this.conversationId,
        operatorId: value === 'none' ? null : Number(value),
      }),
    );
  };

  private async run(fn: () => Promise<unknown>) {
    this.error = null;
    try {
      await fn();
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server. Try again.';
    }
  }

  private onScroll = (event: Event) => {
    const log = event.target as HTMLElement;
    this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    if (log.scrollTop < 40) void this.older();
  };

  private older = async () => {
    if (this.loadingOlder || this.store.complete.has(this.conversationId)) return;
    const log = this.renderRoot.querySelector<HTMLElement>('.messages');
    this.loadingOlder = true;
    try {
      if (log) this.keepOffset = log.scrollHeight - log.scrollTop;
      await this.store.loadOlder(this.conversationId);
    } catch {
      this.keepOffset = null;
    } finally {
      this.loadingOlder = false;
    }
  };

  private onInput = (event: Event) => {
    const textarea = event.target as HTMLTextAreaElement;
    const match = /(?:^|\s)\/([\w-]*)$/.exec(textarea.value.slice(0, textarea.selectionStart));
    this.suggestions = match ? this.store.canned.filter((r) => r.shortcut.startsWith(match[1].toLowerCase())).slice(0, 8) : [];
    this.active = 0;
    if (this.mode === 'reply') this.sendTyping(textarea.value.length > 0);
  };

  private sendTyping(typing: boolean) {
    const now = Date.now();
    if (typing && now - this.typingSent < 2000) return;
    this.typingSent = typing ? now : 0;
    void this.store.call(OperatorEvent.typingSet, { conversationId: this.conversationId, typing }).catch(() => {});
  }

  private insert(reply: CannedReplyDto) {
    const textarea = this.renderRoot.querySelector('textarea')!;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/\/[\w-]*$/, '');
    textarea.value = before + reply.text + textarea.value.slice(caret);
    const at = (before + reply.text).length;
    textarea.setSelectionRange(at, at);
    textarea.focus();
    this.suggestions = [];
  }

  private onKey = (event: KeyboardEvent) => {
    if (this.suggestions.length) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const n = this.suggestions.length;
        this.active = (this.active + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        this.insert(this.suggestions[this.active]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.suggestions = [];
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  };

  /** Each file is checked against the admin's limits (the server checks again) and sent as a reply of its own. */
  private attach(files: File[]) {
    const { maxMb, types } = this.store.attachmentLimits;
    this.fileError = null;
    for (const file of files) {
      if (!(types as string[]).includes(file.type))
        this.fileError = `${file.name}: this kind of file cannot be attached. Allowed: ${types.map((t) => t.split('/')[1].toUpperCase()).join(', ')}.`;
      else if (file.size > maxMb * 1024 * 1024) this.fileError = `${file.name} is larger than the ${maxMb} MB limit.`;
      else this.store.sendFile(this.conversationId, file);
    }
    this.stickToBottom = true;
  }

  private pick = () => this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click();

  private picked = (event: Event) => {
    const input = event.target as HTMLInputElement;
    this.attach([...(input.files ?? [])]);
    input.value = '';
  };

  /** Dragging a file over the thread shows where to drop it; leaving for a child of the thread is still over it. */
  private onDrag = (event: DragEvent) => {
    const { type, dataTransfer } = event;
    if (!dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    this.dragging = type !== 'drop' && (type !== 'dragleave' || (event.currentTarget as Node).contains(event.relatedTarget as Node));
    if (type === 'drop') this.attach([...dataTransfer.files]);
  };

  /** A pasted image (a screenshot) is attached to a reply; pasted text goes into the composer as usual. */
  private onPaste = (event: ClipboardEvent) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length && this.mode === 'reply') {
      event.preventDefault();
      this.attach(files);
    }
  };

  private view = async (a: AttachmentDto) => {
    const opener = this.renderRoot instanceof ShadowRoot ? (this.renderRoot.activeElement as HTMLElement | null) : null;
    try {
      openViewer(this.renderRoot, a, await this.links.fresh(a.id), { close: 'Close', download: 'Download' }, 'en-GB', opener);
    } catch {
      this.error = 'The file could not be opened: no answer from the server. Try again.';
    }
  };

  /** The store keeps what is sent until the server acknowledges it: offline too, it is shown as sending. */
  private submit = (event: SubmitEvent) => {
    event.preventDefault();
    const textarea = (event.target as HTMLFormElement).querySelector('textarea')!;
    const text = textarea.value.trim();
    if (!text) return;
    this.store.send(this.conversationId, this.mode, text);
    if (this.mode === 'reply' && this.store.connected) this.sendTyping(false);
    textarea.value = '';
    this.stickToBottom = true;
    this.store.markRead(this.conversationId);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-conversation': CwConversation;
  }
}

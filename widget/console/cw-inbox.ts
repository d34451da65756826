import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import { CONVERSATION_VIEWS, type ConversationView } from '../../shared/schemas';
import type { ConversationDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import { consoleStyles, formatTime } from './styles';

const VIEW_LABELS: Record<ConversationView, string> = { unassigned: 'Unassigned', mine: 'Mine', open: 'All open', resolved: 'Resolved' };

function newClientId(): string {
  return crypto.getRandomValues(new Uint32Array(4)).reduce((s, n) => s + n.toString(36).padStart(7, '0'), '');
}

/** The shared inbox: views of conversations, sorted by how long the visitor has waited, and one open conversation. */
@customElement('cw-inbox')
export class CwInbox extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: grid; grid-template-columns: 320px 1fr; gap: 12px; height: 100%; min-height: 0; }
      .list { overflow-y: auto; display: flex; flex-direction: column; gap: 6px; }
      .views { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 8px; }
      .conv { all: unset; box-sizing: border-box; display: block; width: 100%; cursor: pointer; padding: 10px; border-radius: 8px; border: 1px solid var(--cw-border); background: var(--cw-bg); }
      .conv[aria-current='true'] { border-color: var(--cw-accent); box-shadow: 0 0 0 2px var(--cw-accent) inset; }
      .conv:focus-visible { outline: 3px solid var(--cw-accent); }
      .preview { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .thread { display: flex; flex-direction: column; min-height: 0; }
      .messages { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 6px; padding: 10px 0; }
      .msg { max-width: 70%; padding: 7px 10px; border-radius: 10px; overflow-wrap: anywhere; }
      .text { white-space: pre-wrap; }
      .msg.visitor { align-self: flex-start; background: #eef0f3; color: #1c1e21; }
      .msg.operator { align-self: flex-end; background: var(--cw-accent); color: #fff; }
      .meta { font-size: 12px; opacity: .8; }
      form { display: flex; gap: 8px; }
      textarea { flex: 1; min-height: 44px; resize: vertical; }
      .toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() private view: ConversationView = 'open';
  @state() private selected: string | null = null;
  @state() private error: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
  }

  private visible(): ConversationDto[] {
    const me = this.store.operator.id;
    const all = [...this.store.conversations.values()].filter((c) => c.lastSeq > 0);
    const filtered = all.filter((c) =>
      this.view === 'resolved' ? c.status === 'resolved'
      : c.status !== 'open' ? false
      : this.view === 'unassigned' ? c.assignedOperatorId === null
      : this.view === 'mine' ? c.assignedOperatorId === me
      : true,
    );
    // Longest-waiting first; answered ones after, most recent first.
    return filtered.sort((a, b) => (a.waitingSince ?? Infinity) - (b.waitingSince ?? Infinity) || (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
  }

  override render() {
    const conversations = this.visible();
    const current = this.selected ? this.store.conversations.get(this.selected) : undefined;
    return html`<section aria-label="Conversations">
        <div class="views" role="group" aria-label="Views">
          ${CONVERSATION_VIEWS.map((v) => html`<button type="button" aria-pressed=${String(this.view === v)} @click=${() => (this.view = v)}>${VIEW_LABELS[v]}</button>`)}
        </div>
        <div class="list">
          ${conversations.length === 0 ? html`<p class="muted">No conversations here.</p>` : nothing}
          ${conversations.map(
            (c) => html`<button class="conv" type="button" aria-current=${String(c.id === this.selected)} aria-label=${`Conversation with ${c.visitorLabel}`} @click=${() => this.open(c.id)}>
              <strong>${c.visitorLabel}</strong>
              ${c.waitingSince ? html`<span class="overdue"> · waiting since ${formatTime(c.waitingSince)}</span>` : nothing}
              ${this.store.typing.has(c.id) ? html`<em class="muted"> · typing…</em>` : nothing}
              <div class="preview muted">${c.lastMessagePreview ?? ''}</div>
              <div class="meta muted">${c.assignedOperatorName ? `Assigned to ${c.assignedOperatorName}` : 'Unassigned'}</div>
            </button>`,
          )}
        </div>
      </section>
      <section class="thread card" aria-label="Conversation">${current ? this.renderThread(current) : html`<p class="muted">Pick a conversation.</p>`}</section>`;
  }

  private renderThread(c: ConversationDto) {
    const messages = this.store.messages.get(c.id) ?? [];
    return html`<div class="toolbar">
        <h2 style="margin:0">${c.visitorLabel}</h2>
        <span class="muted">${c.pageTitle ?? ''} ${c.pageUrl ? html`· <span>${c.pageUrl}</span>` : nothing} ${c.lang ? `· ${c.lang}` : ''}</span>
        <span style="flex:1"></span>
        ${c.assignedOperatorId === null && c.status === 'open' ? html`<button type="button" @click=${() => this.act(OperatorEvent.conversationClaim, c.id)}>Claim</button>` : nothing}
        ${c.status === 'open'
          ? html`<button type="button" @click=${() => this.act(OperatorEvent.conversationResolve, c.id)}>Resolve</button>`
          : html`<button type="button" @click=${() => this.act(OperatorEvent.conversationReopen, c.id)}>Reopen</button>`}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="messages" role="log" aria-label="Messages">
        ${messages.map(
          (m) => html`<div class="msg ${m.author}" data-seq=${m.seq}><span class="text">${m.text}</span><div class="meta">${m.author === 'operator' ? m.operatorName : c.visitorLabel} · ${formatTime(m.createdAt)}</div></div>`,
        )}
        ${this.store.typing.has(c.id) ? html`<p class="muted">Visitor is typing…</p>` : nothing}
      </div>
      <form @submit=${this.reply}>
        <textarea aria-label="Reply" placeholder="Reply… (Enter to send, Shift+Enter for a new line)" maxlength="4000" @keydown=${this.onKey}></textarea>
        <button class="primary" type="submit">Send</button>
      </form>`;
  }

  override updated(): void {
    const log = this.renderRoot.querySelector('.messages');
    if (log) log.scrollTop = log.scrollHeight;
  }

  private async open(id: string) {
    this.selected = id;
    this.error = null;
    await this.store.loadMessages(id);
    (this.renderRoot.querySelector('textarea') as HTMLTextAreaElement | null)?.focus();
  }

  private async act(event: typeof OperatorEvent.conversationClaim | typeof OperatorEvent.conversationResolve | typeof OperatorEvent.conversationReopen, conversationId: string) {
    this.error = null;
    try {
      await this.store.call(event, { conversationId });
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  }

  private onKey(event: KeyboardEvent) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  }

  private async reply(event: SubmitEvent) {
    event.preventDefault();
    const textarea = (event.target as HTMLFormElement).querySelector('textarea')!;
    const text = textarea.value.trim();
    if (!text || !this.selected) return;
    this.error = null;
    try {
      await this.store.call(OperatorEvent.messageSend, { conversationId: this.selected, clientId: newClientId(), text });
      textarea.value = '';
    } catch (e) {
      this.error = e instanceof RpcError ? e.message : 'Not sent: no answer from the server. Try again.';
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-inbox': CwInbox;
  }
}

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import { CONVERSATION_VIEWS, type ConversationView } from '../../shared/schemas';
import type { ConversationDto, SearchHitDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import './cw-conversation';
import type { CwConversation } from './cw-conversation';
import { consoleStyles, formatTime } from './styles';

const VIEW_LABELS: Record<ConversationView, string> = { unassigned: 'Unassigned', mine: 'Mine', open: 'All open', resolved: 'Resolved' };

/** "3 min", "2 h 5 min": how long a visitor has waited. */
function waited(since: number, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - since) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A search snippet with the hits (between \uE000 and \uE001) marked. */
function snippet(text: string) {
  return text.split('\uE000').map((part, i) => {
    if (i === 0) return part;
    const [hit, rest] = part.split('\uE001');
    return html`<mark>${hit}</mark>${rest ?? ''}`;
  });
}

/** The shared inbox: views with counts, sorted by how long the visitor has waited, search, and one open conversation. */
@customElement('cw-inbox')
export class CwInbox extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: grid; grid-template-columns: 320px 1fr; gap: 12px; height: 100%; min-height: 0; }
      .side { display: flex; flex-direction: column; min-height: 0; gap: 8px; }
      .list { overflow-y: auto; display: flex; flex-direction: column; gap: 6px; min-height: 0; }
      .views { display: flex; gap: 4px; flex-wrap: wrap; }
      .count { font-size: 12px; opacity: .85; }
      .conv { all: unset; box-sizing: border-box; display: block; width: 100%; cursor: pointer; padding: 10px; border-radius: 8px; border: 1px solid var(--cw-border); background: var(--cw-bg); }
      .conv[aria-current='true'] { border-color: var(--cw-accent); box-shadow: 0 0 0 2px var(--cw-accent) inset; }
      .conv:focus-visible { outline: 3px solid var(--cw-accent); }
      .preview { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .badge { display: inline-block; min-width: 18px; padding: 0 6px; border-radius: 9px; background: var(--cw-danger); color: #fff; font-size: 12px; text-align: center; float: right; }
      .search { display: flex; gap: 6px; }
      .search input { flex: 1; min-width: 0; }
      mark { background: #ffe066; color: inherit; }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() view: ConversationView = 'open';
  @state() private selected: string | null = null;
  @state() private hits: SearchHitDto[] | null = null;
  @state() private searchError: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.subscribe(this);
    // Refresh the "waited" times once a minute.
    this.ticker = setInterval(() => this.requestUpdate(), 60_000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    this.store.viewing = null;
  }

  private ticker: ReturnType<typeof setInterval> | undefined;

  private inView(view: ConversationView): ConversationDto[] {
    const me = this.store.operator.id;
    return [...this.store.conversations.values()].filter((c) =>
      c.lastSeq === 0 ? false
      : view === 'resolved' ? c.status === 'resolved'
      : c.status !== 'open' ? false
      : view === 'unassigned' ? c.assignedOperatorId === null
      : view === 'mine' ? c.assignedOperatorId === me
      : true,
    );
  }

  visible(): ConversationDto[] {
    const list = this.inView(this.view);
    if (this.view === 'resolved') return list.sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
    // Longest-waiting first; answered ones after, most recent first.
    return list.sort((a, b) => (a.waitingSince ?? Infinity) - (b.waitingSince ?? Infinity) || (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
  }

  override render() {
    const conversations = this.visible();
    return html`<section class="side" aria-label="Conversations">
        <form class="search" role="search" @submit=${this.search}>
          <input id="search" type="search" aria-label="Search conversations" placeholder="Search messages…" maxlength="200" @input=${this.clearIfEmpty} />
          <button type="submit">Search</button>
        </form>
        ${this.hits ? this.renderHits(this.hits.filter((h) => !this.store.erased.has(h.conversationId))) : html`
          <div class="views" role="group" aria-label="Views">
            ${CONVERSATION_VIEWS.map((v) => {
              const list = this.inView(v);
              const unread = list.reduce((n, c) => n + (this.store.unread.get(c.id) ?? 0), 0);
              return html`<button type="button" aria-pressed=${String(this.view === v)} @click=${() => (this.view = v)}
                aria-label=${`${VIEW_LABELS[v]}: ${list.length} conversations${unread ? `, ${unread} unread` : ''}`}>
                ${VIEW_LABELS[v]} <span class="count">${list.length}</span>${unread && v !== 'resolved' ? html` <span class="badge">${unread}</span>` : nothing}</button>`;
            })}
          </div>
          <div class="list">
            ${conversations.length === 0 ? html`<p class="muted">No conversations here.</p>` : nothing}
            ${conversations.map((c) => {
              const unread = this.store.unread.get(c.id) ?? 0;
              return html`<button class="conv" type="button" aria-current=${String(c.id === this.selected)} data-id=${c.id}
                aria-label=${`Conversation with ${c.visitorLabel}${unread ? `, ${unread} unread` : ''}`} @click=${() => this.open(c.id)}>
                ${unread ? html`<span class="badge" aria-hidden="true">${unread}</span>` : nothing}
                <strong>${c.visitorLabel}</strong>
                ${c.waitingSince && c.status === 'open' ? html`<span class="overdue"> · waiting ${waited(c.waitingSince)}</span>` : nothing}
                ${this.store.typing.has(c.id) ? html`<em class="muted"> · typing…</em>` : nothing}
                <div class="preview muted">${c.lastMessagePreview ?? ''}</div>
                <div class="meta muted">${c.status === 'resolved' ? 'Resolved' : c.assignedOperatorName ? `Assigned to ${c.assignedOperatorName}` : 'Unassigned'}</div>
              </button>`;
            })}
          </div>`}
      </section>
      <section class="card u-column">${this.selected && this.store.conversations.has(this.selected)
        ? html`<cw-conversation .store=${this.store} .conversationId=${this.selected}></cw-conversation>`
        : this.selected && this.store.erased.has(this.selected)
          ? html`<p class="muted" role="status">This conversation was erased: the visitor's privacy request to delete their data was completed.</p>`
          : html`<p class="muted">Pick a conversation. Press ? for keyboard shortcuts.</p>`}</section>`;
  }

  private renderHits(hits: SearchHitDto[]) {
    return html`<div class="list" role="region" aria-label="Search results">
      <p class="muted">${hits.length ? `${hits.length} ${hits.length === 1 ? 'match' : 'matches'}` : 'No matches.'}
        <button type="button" @click=${this.closeSearch}>Back to the inbox</button></p>
      ${this.searchError ? html`<p class="error" role="alert">${this.searchError}</p>` : nothing}
      ${hits.map((h) => html`<button class="conv" type="button" aria-label=${`Match in conversation with ${h.visitorLabel}`} @click=${() => this.open(h.conversationId)}>
        <strong>${h.visitorLabel}</strong> <span class="muted">· ${h.author} · ${formatTime(h.createdAt)} · ${h.status}</span>
        <div>${snippet(h.snippet)}</div>
      </button>`)}
    </div>`;
  }

  private search = async (event: SubmitEvent) => {
    event.preventDefault();
    const query = this.renderRoot.querySelector<HTMLInputElement>('#search')!.value.trim();
    if (!query) return this.closeSearch();
    this.searchError = null;
    try {
      this.hits = (await this.store.call(OperatorEvent.conversationSearch, { query })).hits;
    } catch (e) {
      this.hits = [];
      this.searchError = e instanceof RpcError ? e.message : 'No answer from the server.';
    }
  };

  private clearIfEmpty = (event: Event) => {
    if (!(event.target as HTMLInputElement).value) this.closeSearch();
  };

  private closeSearch = () => {
    this.hits = null;
    this.searchError = null;
  };

  async open(id: string): Promise<void> {
    this.selected = id;
    this.store.viewing = id;
    await this.store.loadMessages(id);
    this.store.markRead(id);
    await this.updateComplete;
    this.thread()?.focusComposer('reply');
  }

  private thread(): CwConversation | null {
    return this.renderRoot.querySelector('cw-conversation');
  }

  // ---- keyboard shortcuts (called by the console) ----

  step(delta: 1 | -1): void {
    const list = this.visible();
    if (!list.length) return;
    const at = list.findIndex((c) => c.id === this.selected);
    const next = list[Math.min(list.length - 1, Math.max(0, at === -1 ? 0 : at + delta))];
    void this.open(next.id).then(() => this.renderRoot.querySelector<HTMLElement>(`.conv[data-id="${next.id}"]`)?.focus());
  }

  focusSearch(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#search')?.focus();
  }

  compose(mode: 'reply' | 'note'): void {
    this.thread()?.focusComposer(mode);
  }

  claim(): void {
    this.thread()?.claim();
  }

  toggleStatus(): void {
    this.thread()?.toggleStatus();
  }

  transfer(): void {
    this.thread()?.focusTransfer();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-inbox': CwInbox;
  }
}

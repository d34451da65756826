import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import { CONVERSATION_VIEWS, type ConversationView } from '../../shared/schemas';
import type { ConversationDto, SearchHitDto } from '../../shared/types';
import { RpcError } from '../common/rpc';
import type { ConsoleStore } from './console-store';
import './cw-conversation';
import type { CwConversation } from './cw-conversation';
import { icon } from './icons';
import { emptyState } from './page';
import { consoleStyles, formatTime } from './styles';
import { waited } from './waiting';

/** The server previews a message that is only a file as "📎 name": drawn with the paperclip icon, and said as "Attachment". */
function preview(text: string | null) {
  if (!text?.startsWith('📎 ')) return text ?? '';
  return html`${icon('paperclip', 14)}<span class="sr-only">Attachment:</span> ${text.slice(3)}`;
}

/** "14:05" today, "3 Mar" before. */
function shortTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  return d.toDateString() === new Date(now).toDateString()
    ? d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
}

const VIEW_LABELS: Record<ConversationView, string> = { unassigned: 'Unassigned', mine: 'Mine', open: 'All open', resolved: 'Resolved' };
const VIEW_EMPTY: Record<ConversationView, string> = {
  unassigned: 'Nothing unassigned: every open conversation has an operator.',
  mine: 'No open conversations are assigned to you.',
  open: 'No open conversations.',
  resolved: 'No resolved conversations yet.',
};

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
      :host { display: grid; grid-template-columns: 320px minmax(0, 1fr); height: 100%; min-height: 0; }
      .side { display: flex; flex-direction: column; min-height: 0; gap: 10px; padding: 14px 12px 0; background: var(--cw-bg); border-right: 1px solid var(--cw-border); }
      .list { overflow-y: auto; display: flex; flex-direction: column; gap: 2px; min-height: 0; margin: 0 -12px; padding: 0 8px 12px; }
      .views { display: flex; gap: 2px; padding: 3px; border-radius: 10px; background: var(--cw-surface); }
      .views button { flex: 1 1 auto; min-width: 0; min-height: 44px; padding: 3px 4px; flex-direction: column; gap: 1px; border: 0; background: transparent; font-size: 13px; line-height: 1.2; color: var(--cw-muted); }
      .views button[aria-pressed='true'] { background: var(--cw-bg); color: var(--cw-fg); box-shadow: 0 1px 2px #0002; }
      .views .view-label { max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
      /* The count of conversations; it turns into the accent badge when some are unread (no second badge to collide with). */
      .count { min-width: 20px; padding: 0 6px; border-radius: 9px; font-size: 12px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 18px; color: var(--cw-muted); }
      .count.unread { background: var(--cw-accent); color: var(--cw-on-accent); }
      .conv { all: unset; box-sizing: border-box; display: grid; grid-template-columns: 32px minmax(0, 1fr) auto; gap: 2px 10px; width: 100%; cursor: pointer; padding: 10px; border-radius: 8px; }
      .conv:hover { background: var(--cw-surface); }
      .conv[aria-current='true'] { background: var(--cw-accent-soft); }
      .conv:focus-visible { outline: 3px solid var(--cw-accent); outline-offset: -3px; }
      .avatar { grid-row: span 3; width: 32px; height: 32px; border-radius: 50%; display: grid; place-items: center; background: var(--cw-surface); border: 1px solid var(--cw-border); font-size: 12px; font-weight: 700; color: var(--cw-muted); }
      .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .when { font-size: 12px; white-space: nowrap; color: var(--cw-muted); text-align: right; }
      .when.warn { color: var(--cw-warn); font-weight: 600; }
      .when.loud { color: var(--cw-danger); font-weight: 700; }
      .preview { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: var(--cw-muted); }
      .conv.unread .preview { color: var(--cw-fg); font-weight: 500; }
      .badge { justify-self: end; min-width: 20px; padding: 0 6px; border-radius: 10px; background: var(--cw-accent); color: var(--cw-on-accent); font-size: 12px; font-weight: 700; line-height: 20px; text-align: center; }
      .meta { grid-column: 2 / -1; font-size: 12px; color: var(--cw-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .search { display: flex; gap: 6px; }
      .search input { flex: 1; }
      .hits-head { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 0 4px; }
      .list-empty { padding: 24px 12px; text-align: center; color: var(--cw-muted); }
      .list-empty p { margin: 0 0 10px; }
      .pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; padding: 14px 16px; container-type: inline-size; }
      .pane > cw-conversation { flex: 1; }
      a.back { display: none; align-self: flex-start; margin: -4px 0 8px -8px; }
      mark { background: #ffe066; color: inherit; }
      @media (max-width: 760px) {
        :host { grid-template-columns: minmax(0, 1fr); }
        :host([data-open]) .side { display: none; }
        :host(:not([data-open])) .pane { display: none; }
        .side { border-right: 0; }
        a.back { display: inline-flex; }
        .pane { padding: 10px 12px; }
      }
    `,
  ];

  @property({ attribute: false }) store!: ConsoleStore;
  @state() view: ConversationView = 'open';
  /** The open conversation (from the address); the inbox asks for changes with `cw-open`. */
  @property({ attribute: false }) selected: string | null = null;
  @state() private hits: SearchHitDto[] | null = null;
  @state() private searchError: string | null = null;
  /** A conversation asked for that the server does not have. */
  @state() private missing: string | null = null;

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
  /** Where focus goes once the conversation asked for is open. */
  private focusAfterOpen: 'composer' | 'row' = 'composer';

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('selected')) {
      this.toggleAttribute('data-open', this.selected !== null);
      this.store.viewing = this.selected;
      if (this.selected) void this.load(this.selected);
    }
  }

  private async load(id: string): Promise<void> {
    const focus = this.focusAfterOpen;
    this.focusAfterOpen = 'composer';
    this.missing = null;
    try {
      await this.store.loadMessages(id);
    } catch (e) {
      // Erased, removed by retention, or a mistyped address: the pane says so.
      if (e instanceof RpcError && e.error.code === 'not_found') this.missing = id;
      return;
    }
    if (this.selected !== id) return;
    this.store.markRead(id);
    await this.updateComplete;
    if (focus === 'row') this.renderRoot.querySelector<HTMLElement>(`.conv[data-id="${CSS.escape(id)}"]`)?.focus();
    else this.thread()?.focusComposer('reply');
  }

  private inView(view: ConversationView): ConversationDto[] {
    const me = this.store.operator.id;
    return [...this.store.conversations.values()].filter((c) =>
      c.lastSeq === 0
        ? false
        : view === 'resolved'
          ? c.status === 'resolved'
          : c.status !== 'open'
            ? false
            : view === 'unassigned'
              ? c.assignedOperatorId === null
              : view === 'mine'
                ? c.assignedOperatorId === me
                : true,
    );
  }

  visible(): ConversationDto[] {
    const list = this.inView(this.view);
    if (this.view === 'resolved') return list.sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
    // Longest-waiting first; answered ones after, most recent first.
    return list.sort(
      (a, b) => (a.waitingSince ?? Infinity) - (b.waitingSince ?? Infinity) || (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0),
    );
  }

  override render() {
    const conversations = this.visible();
    const any = [...this.store.conversations.values()].some((c) => c.lastSeq > 0);
    const current = this.selected ? this.store.conversations.get(this.selected) : undefined;
    return html`<section class="side" aria-label="Conversations">
        <form class="search" role="search" @submit=${this.search}>
          <input id="search" type="search" aria-label="Search conversations" placeholder="Search messages…" maxlength="200" @input=${this.clearIfEmpty} />
          <button type="submit">Search</button>
        </form>
        ${
          this.hits
            ? this.renderHits(this.hits.filter((h) => !this.store.erased.has(h.conversationId)))
            : html`
          <div class="views" role="group" aria-label="Views">
            ${CONVERSATION_VIEWS.map((v) => {
              const list = this.inView(v);
              const unread = v === 'resolved' ? 0 : list.reduce((n, c) => n + (this.store.unread.get(c.id) ?? 0), 0);
              return html`<button type="button" aria-pressed=${String(this.view === v)} @click=${() => (this.view = v)}
                aria-label=${`${VIEW_LABELS[v]}: ${list.length} conversations${unread ? `, ${unread} unread` : ''}`}>
                <span class="view-label">${VIEW_LABELS[v]}</span><span class="count ${unread ? 'unread' : ''}">${list.length}</span></button>`;
            })}
          </div>
          <div class="list">
            ${
              !any
                ? html`<div class="list-empty" role="status"><p>No conversations yet. When a visitor writes in the chat bubble on your site, the conversation appears here.</p>
                  <a class="button" href="/" target="_blank" rel="noopener">${icon('external', 16)}Open the demo site</a></div>`
                : conversations.length === 0
                  ? html`<p class="list-empty" role="status">${VIEW_EMPTY[this.view]}</p>`
                  : nothing
            }
            ${conversations.map((c) => {
              const unread = this.store.unread.get(c.id) ?? 0;
              const wait = c.waitingSince && c.status === 'open' ? waited(c.waitingSince) : null;
              return html`<button class="conv ${unread ? 'unread' : ''}" type="button" aria-current=${String(c.id === this.selected)} data-id=${c.id}
                aria-label=${`Conversation with ${c.visitorLabel}${unread ? `, ${unread} unread` : ''}`} @click=${() => this.open(c.id)}>
                <span class="avatar" aria-hidden="true">${
                  c.visitorLabel
                    .replace(/^Visitor\s*/, '')
                    .slice(0, 2)
                    .toUpperCase() || 'V'
                }</span>
                <span class="name">${c.visitorLabel}</span>
                <span class="when ${wait?.level ?? ''}">${wait ? wait.text : c.lastMessageAt ? shortTime(c.lastMessageAt) : ''}</span>
                <span class="preview">${this.store.typing.has(c.id) ? html`<em>typing…</em>` : preview(c.lastMessagePreview)}</span>
                ${unread ? html`<span class="badge" aria-hidden="true">${unread}</span>` : html`<span></span>`}
                <span class="meta">${c.status === 'resolved' ? 'Resolved' : c.assignedOperatorName ? `Assigned to ${c.assignedOperatorName}` : 'Unassigned'}</span>
              </button>`;
            })}
          </div>`
        }
      </section>
      <section class="pane" aria-label="Conversation pane">
        <a class="button quiet small back" href="/console/inbox">${icon('chevronLeft', 16)}Conversations</a>
        ${
          this.selected && current
            ? html`<cw-conversation .store=${this.store} .conversationId=${this.selected}></cw-conversation>`
            : this.selected && this.store.erased.has(this.selected)
              ? emptyState(
                  'inbox',
                  'This conversation was erased',
                  "The visitor's request to delete their data was completed: their messages, notes and contact details are gone.",
                )
              : this.selected && this.missing === this.selected
                ? emptyState('inbox', 'Conversation not found', 'It may have been erased on request, or removed by retention.')
                : !any
                  ? emptyState(
                      'chat',
                      'Waiting for the first visitor',
                      'Keep this tab open: new conversations arrive live, with a sound, and with a desktop notification once you turn them on in the account menu.',
                    )
                  : emptyState(
                      'chat',
                      'Pick a conversation',
                      html`<p>Use <kbd>j</kbd> and <kbd>k</kbd> to move through the list; press <kbd>?</kbd> for every keyboard shortcut.</p>`,
                    )
        }
      </section>`;
  }

  private renderHits(hits: SearchHitDto[]) {
    return html`<div class="list" role="region" aria-label="Search results">
      <div class="hits-head"><span class="muted">${hits.length ? `${hits.length} ${hits.length === 1 ? 'match' : 'matches'}` : 'No matches.'}</span>
        <button type="button" class="small" @click=${this.closeSearch}>Back to the inbox</button></div>
      ${this.searchError ? html`<p class="error" role="alert">${this.searchError}</p>` : nothing}
      ${hits.map(
        (
          h,
        ) => html`<button class="conv" type="button" aria-label=${`Match in conversation with ${h.visitorLabel}`} @click=${() => this.open(h.conversationId)}>
        <span class="avatar" aria-hidden="true">${icon('chat', 16)}</span>
        <span class="name">${h.visitorLabel}</span><span class="when">${shortTime(h.createdAt)}</span>
        <span class="preview">${snippet(h.snippet)}</span><span></span>
        <span class="meta">${h.author === 'visitor' ? 'Visitor' : h.author === 'operator' ? 'Operator' : 'System'} · ${formatTime(h.createdAt)} · ${h.status === 'resolved' ? 'Resolved' : 'Open'}</span>
      </button>`,
      )}
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

  /** Asks for a conversation to be opened (the console puts it in the address, then sets `selected`). */
  open(id: string, focus: 'composer' | 'row' = 'composer'): void {
    this.focusAfterOpen = focus;
    if (id === this.selected) {
      void this.load(id);
      return;
    }
    this.dispatchEvent(new CustomEvent<string | null>('cw-open', { detail: id }));
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
    this.open(next.id, 'row');
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

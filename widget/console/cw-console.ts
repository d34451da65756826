import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import { CONVERSATION_VIEWS } from '../../shared/schemas';
import type { OperatorDto } from '../../shared/types';
import { Attention } from './attention';
import './cw-account';
import type { CwAccount } from './cw-account';
import './cw-admin-tab';
import './cw-inbox';
import type { CwInbox } from './cw-inbox';
import './cw-login';
import './cw-privacy-tab';
import './cw-shortcuts';
import type { CwShortcuts } from './cw-shortcuts';
import { ConsoleStore } from './console-store';
import { consoleStyles } from './styles';

type Tab = 'inbox' | 'privacy' | 'admin';

/** Whether a key press belongs to a text field (shortcuts stay out of the way there). */
function typing(event: KeyboardEvent): boolean {
  const target = event.composedPath()[0] as HTMLElement | undefined;
  return !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** The operator console: sign-in, then the inbox, the privacy desk and (for admins) the admin tools. */
@customElement('cw-console')
export class CwConsole extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: flex; flex-direction: column; height: 100%; }
      header { display: flex; align-items: center; gap: 10px; padding: 10px 16px; background: #10182b; color: #fff; flex-wrap: wrap; }
      header h1 { font-size: 16px; margin: 0 12px 0 0; }
      header [role='tablist'] { display: flex; gap: 6px; flex: 1; }
      header button, header select { background: transparent; color: #fff; border-color: #3a4a6b; }
      header select option { color: #000; }
      header label { font-weight: 400; font-size: 13px; }
      .status { font-size: 13px; }
      main { flex: 1; min-height: 0; padding: 12px 16px; display: flex; flex-direction: column; }
      main > * { flex: 1; min-height: 0; }
    `,
  ];

  @state() private operator: OperatorDto | null = null;
  @state() private checked = false;
  @state() private tab: Tab = location.hash === '#privacy' ? 'privacy' : location.hash === '#outbox' ? 'admin' : 'inbox';
  private store: ConsoleStore | null = null;
  private attention: Attention | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onKey);
    void fetch('/api/auth/me')
      .then((r) => (r.ok ? (r.json() as Promise<{ data: { operator: OperatorDto } }>) : null))
      .then((body) => this.signedIn(body?.data.operator ?? null))
      .catch(() => this.signedIn(null));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.onKey);
  }

  private signedIn(operator: OperatorDto | null) {
    this.checked = true;
    this.operator = operator;
    if (operator) {
      this.store = new ConsoleStore(operator);
      this.attention = new Attention((id) => {
        this.tab = 'inbox';
        void this.updateComplete.then(() => this.inbox()?.open(id));
      });
      this.store.listener = {
        arrived: (kind, conversation, text) =>
          this.attention?.notify(kind === 'conversation' ? `New conversation: ${conversation.visitorLabel}` : `${conversation.visitorLabel} wrote`, text.slice(0, 140), conversation.id),
      };
      this.store.subscribe(this);
      this.store.connect();
    }
  }

  private inbox(): CwInbox | null {
    return this.renderRoot.querySelector('cw-inbox');
  }

  override render() {
    if (!this.checked) return nothing;
    if (!this.operator || !this.store) return html`<cw-login @cw-signed-in=${(e: CustomEvent<OperatorDto>) => this.signedIn(e.detail)}></cw-login>`;
    const tabs: Array<[Tab, string]> = [['inbox', 'Inbox'], ['privacy', 'Privacy requests']];
    if (this.operator.role === 'admin') tabs.push(['admin', 'Admin']);
    const overdue = [...this.store.requests.values()].filter((r) => r.dueAt && r.dueAt < Date.now() && (r.state === 'verified' || r.state === 'in_progress')).length;
    const unread = [...this.store.unread.values()].reduce((a, b) => a + b, 0);
    const presence = this.store.me?.presence === 'away' ? 'away' : 'online';
    const permission = this.attention?.permission;
    return html`<header>
        <h1>Operator console</h1>
        <div role="tablist" aria-label="Sections">
          ${tabs.map(([id, label]) => html`<button role="tab" type="button" aria-selected=${String(this.tab === id)} @click=${() => (this.tab = id)}>${label}${id === 'inbox' && unread ? ` (${unread})` : nothing}${id === 'privacy' && overdue ? html` <span class="overdue u-alert-on-dark">(${overdue} overdue)</span>` : nothing}</button>`)}
        </div>
        <label>My status
          <select aria-label="My status" .value=${presence} @change=${(e: Event) => this.setPresence((e.target as HTMLSelectElement).value as 'online' | 'away')}>
            <option value="online">Online</option><option value="away">Away</option>
          </select></label>
        ${permission === 'default' ? html`<button type="button" @click=${this.enableNotifications}>Enable desktop notifications</button>` : nothing}
        <button type="button" aria-pressed=${String(!this.attention?.muted)} @click=${this.toggleSound}>Sound</button>
        <button type="button" aria-label="Keyboard shortcuts" @click=${() => this.shortcuts()?.show()}>?</button>
        <span class="status">${this.store.connected ? 'Online' : 'Reconnecting…'} · ${this.operator.name}</span>
        <button type="button" @click=${() => this.renderRoot.querySelector<CwAccount>('cw-account')?.show()}>Change password</button>
        <button type="button" @click=${this.signOut}>Sign out</button>
      </header>
      <main role="tabpanel">
        ${this.tab === 'inbox' ? html`<cw-inbox .store=${this.store}></cw-inbox>` : this.tab === 'privacy' ? html`<cw-privacy-tab .store=${this.store}></cw-privacy-tab>` : html`<cw-admin-tab .store=${this.store}></cw-admin-tab>`}
      </main>
      <cw-shortcuts></cw-shortcuts>
      <cw-account .store=${this.store}></cw-account>`;
  }

  private shortcuts(): CwShortcuts | null {
    return this.renderRoot.querySelector('cw-shortcuts');
  }

  private setPresence(status: 'online' | 'away') {
    void this.store?.call(OperatorEvent.presenceSet, { status }).then(({ team }) => {
      if (this.store) this.store.team = team;
      this.requestUpdate();
    });
  }

  private enableNotifications = async () => {
    await this.attention?.requestPermission();
    this.requestUpdate();
  };

  private toggleSound = () => {
    if (this.attention) this.attention.muted = !this.attention.muted;
    this.requestUpdate();
  };

  private onKey = (event: KeyboardEvent) => {
    if (!this.store || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && typing(event)) {
      (event.composedPath()[0] as HTMLElement).blur();
      return;
    }
    if (typing(event) || this.shortcuts()?.open) return;
    const inbox = this.tab === 'inbox' ? this.inbox() : null;
    const views: Record<string, (typeof CONVERSATION_VIEWS)[number]> = { 1: 'unassigned', 2: 'mine', 3: 'open', 4: 'resolved' };
    const actions: Record<string, () => void> = {
      '?': () => this.shortcuts()?.show(),
      a: () => this.setPresence(this.store?.me?.presence === 'away' ? 'online' : 'away'),
      ...(inbox
        ? {
            j: () => inbox.step(1),
            k: () => inbox.step(-1),
            '/': () => inbox.focusSearch(),
            r: () => inbox.compose('reply'),
            n: () => inbox.compose('note'),
            c: () => inbox.claim(),
            t: () => inbox.transfer(),
            e: () => inbox.toggleStatus(),
            ...Object.fromEntries(Object.entries(views).map(([key, view]) => [key, () => (inbox.view = view)])),
          }
        : {}),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  private signOut = async () => {
    await fetch('/api/auth/logout', { method: 'POST' });
    this.store?.disconnect();
    this.store = null;
    this.operator = null;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cw-console': CwConsole;
  }
}

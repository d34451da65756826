import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { OperatorDto } from '../../shared/types';
import './cw-admin-tab';
import './cw-inbox';
import './cw-login';
import './cw-privacy-tab';
import { ConsoleStore } from './console-store';
import { consoleStyles } from './styles';

type Tab = 'inbox' | 'privacy' | 'admin';

/** The operator console: sign-in, then the inbox, the privacy desk and (for admins) the admin tools. */
@customElement('cw-console')
export class CwConsole extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: flex; flex-direction: column; height: 100%; }
      header { display: flex; align-items: center; gap: 10px; padding: 10px 16px; background: #10182b; color: #fff; }
      header h1 { font-size: 16px; margin: 0 12px 0 0; }
      header [role='tablist'] { display: flex; gap: 6px; flex: 1; }
      header button { background: transparent; color: #fff; border-color: #3a4a6b; }
      .status { font-size: 13px; }
      main { flex: 1; min-height: 0; padding: 12px 16px; display: flex; flex-direction: column; }
      main > * { flex: 1; min-height: 0; }
    `,
  ];

  @state() private operator: OperatorDto | null = null;
  @state() private checked = false;
  @state() private tab: Tab = location.hash === '#privacy' ? 'privacy' : location.hash === '#outbox' ? 'admin' : 'inbox';
  private store: ConsoleStore | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void fetch('/api/auth/me')
      .then((r) => (r.ok ? (r.json() as Promise<{ data: { operator: OperatorDto } }>) : null))
      .then((body) => this.signedIn(body?.data.operator ?? null))
      .catch(() => this.signedIn(null));
  }

  private signedIn(operator: OperatorDto | null) {
    this.checked = true;
    this.operator = operator;
    if (operator) {
      this.store = new ConsoleStore(operator);
      this.store.subscribe(this);
      this.store.connect();
    }
  }

  override render() {
    if (!this.checked) return nothing;
    if (!this.operator || !this.store) return html`<cw-login @cw-signed-in=${(e: CustomEvent<OperatorDto>) => this.signedIn(e.detail)}></cw-login>`;
    const tabs: Array<[Tab, string]> = [['inbox', 'Inbox'], ['privacy', 'Privacy requests']];
    if (this.operator.role === 'admin') tabs.push(['admin', 'Admin']);
    const overdue = [...this.store.requests.values()].filter((r) => r.dueAt && r.dueAt < Date.now() && (r.state === 'verified' || r.state === 'in_progress')).length;
    return html`<header>
        <h1>Operator console</h1>
        <div role="tablist" aria-label="Sections">
          ${tabs.map(([id, label]) => html`<button role="tab" type="button" aria-selected=${String(this.tab === id)} @click=${() => (this.tab = id)}>${label}${id === 'privacy' && overdue ? html` <span class="overdue" style="color:#ffb4ab">(${overdue} overdue)</span>` : nothing}</button>`)}
        </div>
        <span class="status">${this.store.connected ? 'Online' : 'Reconnecting…'} · ${this.operator.name}</span>
        <button type="button" @click=${this.signOut}>Sign out</button>
      </header>
      <main role="tabpanel">
        ${this.tab === 'inbox' ? html`<cw-inbox .store=${this.store}></cw-inbox>` : this.tab === 'privacy' ? html`<cw-privacy-tab .store=${this.store}></cw-privacy-tab>` : html`<cw-admin-tab .store=${this.store}></cw-admin-tab>`}
      </main>`;
  }

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

import { LitElement, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { OperatorEvent } from '../../shared/protocol';
import type { CONVERSATION_VIEWS } from '../../shared/schemas';
import type { OperatorDto } from '../../shared/types';
import './admin/cw-admin-api-keys';
import './admin/cw-admin-attachments';
import './admin/cw-admin-hours';
import './admin/cw-admin-canned';
import './admin/cw-admin-data-systems';
import './admin/cw-admin-operators';
import './admin/cw-admin-outbox';
import './admin/cw-admin-prechat';
import './admin/cw-admin-register';
import './admin/cw-admin-settings';
import './admin/cw-admin-webhooks';
import { Attention } from './attention';
import { ConsoleStore } from './console-store';
import { shellStyles } from './console-shell-styles';
import './cw-account';
import type { CwAccount } from './cw-account';
import './cw-account-menu';
import type { AccountAction } from './cw-account-menu';
import './cw-inbox';
import type { CwInbox } from './cw-inbox';
import './cw-login';
import './cw-ratings';
import { RATING_WORDS } from './ratings-words';
import { consoleLang } from './console-lang';
import './cw-shortcuts';
import type { CwShortcuts } from './cw-shortcuts';
import { icon, type IconName } from './icons';
import { emptyState } from './page';
import './privacy/cw-privacy-desk';
import './privacy/cw-privacy-file';
import './privacy/cw-privacy-request';
import { ADMIN_LABELS, ADMIN_SECTIONS, ConsoleRouter, routePath, type AdminSection, type Route } from './router';
import { consoleStyles } from './styles';

const ADMIN_ICONS: Record<AdminSection, IconName> = {
  operators: 'users',
  settings: 'sliders',
  canned: 'reply',
  prechat: 'chat',
  register: 'register',
  outbox: 'mail',
  'api-keys': 'key',
  webhooks: 'webhook',
  hours: 'clock',
  attachments: 'paperclip',
  'data-systems': 'database',
};

/** Whether a key press belongs to a text field (shortcuts stay out of the way there). */
function typing(event: KeyboardEvent): boolean {
  const target = event.composedPath()[0] as HTMLElement | undefined;
  return !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/**
 * The operator console: sign-in, then a header (product, connection, the account menu), a left navigation
 * (inbox, privacy requests, admin pages) and one page at a time, each at its own address under /console/.
 */
@customElement('cw-console')
export class CwConsole extends LitElement {
  static override styles = [consoleStyles, shellStyles];

  @state() private operator: OperatorDto | null = null;
  @state() private checked = false;
  /** The navigation drawer on narrow screens. */
  @state() private navOpen = false;
  /** A line for the page navigated to (e.g. "PR-… filed"). */
  @state() private flash: string | null = null;
  private readonly router = new ConsoleRouter(this);
  private store: ConsoleStore | null = null;
  private attention: Attention | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onKey);
    this.router.onChange = () => {
      this.navOpen = false;
      this.flash = null;
    };
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
      this.attention = new Attention((id) => this.router.go({ page: 'inbox', conversationId: id }));
      this.store.listener = {
        arrived: (kind, conversation, text) =>
          this.attention?.notify(
            kind === 'conversation' ? `New conversation: ${conversation.visitorLabel}` : `${conversation.visitorLabel} wrote`,
            text.slice(0, 140),
            conversation.id,
          ),
      };
      this.store.subscribe(this);
      this.store.connect();
    }
  }

  private inbox(): CwInbox | null {
    return this.renderRoot.querySelector('cw-inbox');
  }

  private shortcuts(): CwShortcuts | null {
    return this.renderRoot.querySelector('cw-shortcuts');
  }

  override render() {
    if (!this.checked) return nothing;
    if (!this.operator || !this.store)
      return html`<cw-login @cw-signed-in=${(e: CustomEvent<OperatorDto>) => this.signedIn(e.detail)}></cw-login>`;
    const store = this.store;
    const route = this.router.route;
    const admin = this.operator.role === 'admin';
    const overdue = [...store.requests.values()].filter(
      (r) => r.dueAt && r.dueAt < Date.now() && (r.state === 'verified' || r.state === 'in_progress'),
    ).length;
    const unread = [...store.unread.values()].reduce((a, b) => a + b, 0);
    const link = (
      to: Route,
      iconName: IconName,
      label: string,
      current: boolean,
      badge: ReturnType<typeof html> | typeof nothing = nothing,
    ) =>
      html`<a href=${routePath(to)} aria-current=${current ? 'page' : 'false'}>${icon(iconName)}<span class="label">${label}</span>${badge}</a>`;
    return html`<header class="top">
        <button class="icon quiet nav-toggle" type="button" aria-label="Navigation" aria-expanded=${String(this.navOpen)} aria-controls="nav" @click=${() => (this.navOpen = !this.navOpen)}>${icon('menu', 20)}</button>
        <a class="brand" href="/console/inbox">${icon('chat', 20)}<span>Operator console</span></a>
        <span class="grow"></span>
        <span class="conn" role="status" data-state=${store.connected ? 'connected' : 'reconnecting'}>
          ${store.connected ? html`<span class="conn-dot" aria-hidden="true"></span><span class="conn-text">Connected</span>` : html`${icon('alert', 16)}<span>Reconnecting…</span>`}
        </span>
        <cw-account-menu .operator=${this.operator} presence=${store.me?.presence === 'away' ? 'away' : 'online'} ?muted=${this.attention?.muted ?? false}
          permission=${this.attention?.permission ?? 'unsupported'} @cw-account=${(e: CustomEvent<AccountAction>) => this.onAccount(e.detail)}></cw-account-menu>
      </header>
      <div class="body">
        <nav id="nav" aria-label="Console" class=${this.navOpen ? 'open' : ''}>
          ${link(
            { page: 'inbox', conversationId: null },
            'inbox',
            'Inbox',
            route.page === 'inbox',
            unread ? html`<span class="badge">${unread}<span class="sr-only"> unread</span></span>` : nothing,
          )}
          ${link(
            { page: 'privacy', requestId: null },
            'shield',
            'Privacy requests',
            route.page === 'privacy' || route.page === 'privacy-new',
            overdue ? html`<span class="badge loud">${overdue}<span class="sr-only"> overdue</span></span>` : nothing,
          )}
          ${link({ page: 'ratings' }, 'star', RATING_WORDS[consoleLang()].nav, route.page === 'ratings')}
          ${
            admin
              ? html`<p class="nav-heading" id="admin-heading">Admin</p>
                <div role="group" aria-labelledby="admin-heading">
                  ${ADMIN_SECTIONS.map((s) => link({ page: 'admin', section: s }, ADMIN_ICONS[s], ADMIN_LABELS[s], route.page === 'admin' && route.section === s))}
                </div>`
              : nothing
          }
        </nav>
        ${this.navOpen ? html`<div class="scrim" @click=${() => (this.navOpen = false)}></div>` : nothing}
        <main id="main" class=${route.page === 'inbox' ? 'flush' : ''}>${this.renderPage(route, store)}</main>
      </div>
      <cw-shortcuts></cw-shortcuts>
      <cw-account .store=${store}></cw-account>`;
  }

  private renderPage(route: Route, store: ConsoleStore) {
    const admin = this.operator?.role === 'admin';
    switch (route.page) {
      case 'inbox':
        return html`<cw-inbox .store=${store} .selected=${route.conversationId}
          @cw-open=${(e: CustomEvent<string | null>) => this.router.go({ page: 'inbox', conversationId: e.detail })}></cw-inbox>`;
      case 'privacy':
        return route.requestId === null
          ? html`<cw-privacy-desk .store=${store}></cw-privacy-desk>`
          : html`<cw-privacy-request .store=${store} .requestId=${route.requestId} .flash=${this.flash}></cw-privacy-request>`;
      case 'ratings':
        return html`<cw-ratings .store=${store}></cw-ratings>`;
      case 'privacy-new':
        return html`<cw-privacy-file .store=${store} @cw-filed=${this.onFiled}></cw-privacy-file>`;
      case 'admin':
        return admin ? this.renderAdmin(route.section, store) : this.notFound('Only admins can open this page.');
      case 'not-found':
        return this.notFound('There is no page at this address.');
    }
  }

  private renderAdmin(section: AdminSection, store: ConsoleStore) {
    switch (section) {
      case 'operators':
        return html`<cw-admin-operators .store=${store}></cw-admin-operators>`;
      case 'settings':
        return html`<cw-admin-settings .store=${store}></cw-admin-settings>`;
      case 'canned':
        return html`<cw-admin-canned .store=${store}></cw-admin-canned>`;
      case 'prechat':
        return html`<cw-admin-prechat .store=${store}></cw-admin-prechat>`;
      case 'register':
        return html`<cw-admin-register .store=${store}></cw-admin-register>`;
      case 'outbox':
        return html`<cw-admin-outbox .store=${store}></cw-admin-outbox>`;
      case 'api-keys':
        return html`<cw-admin-api-keys .store=${store}></cw-admin-api-keys>`;
      case 'webhooks':
        return html`<cw-admin-webhooks .store=${store}></cw-admin-webhooks>`;
      case 'hours':
        return html`<cw-admin-hours .store=${store}></cw-admin-hours>`;
      case 'attachments':
        return html`<cw-admin-attachments .store=${store}></cw-admin-attachments>`;
      case 'data-systems':
        return html`<cw-admin-data-systems .store=${store}></cw-admin-data-systems>`;
    }
  }

  private notFound(why: string) {
    return html`<div class="page">${emptyState('alert', 'Page not found', why, html`<a class="button primary" href="/console/inbox">Go to the inbox</a>`)}</div>`;
  }

  private onFiled = (event: CustomEvent<number>) => {
    const request = this.store?.requests.get(event.detail);
    this.router.go({ page: 'privacy', requestId: event.detail });
    if (request) this.flash = `${request.reference} filed; the confirmation link is on its way.`;
  };

  private onAccount(action: AccountAction) {
    switch (action) {
      case 'online':
      case 'away':
        return this.setPresence(action);
      case 'sound':
        if (this.attention) this.attention.muted = !this.attention.muted;
        return this.requestUpdate();
      case 'notifications':
        return void this.attention?.requestPermission().then(() => this.requestUpdate());
      case 'shortcuts':
        return this.shortcuts()?.show();
      case 'password':
        return this.renderRoot.querySelector<CwAccount>('cw-account')?.show();
      case 'sign-out':
        return void this.signOut();
    }
  }

  private setPresence(status: 'online' | 'away') {
    void this.store?.call(OperatorEvent.presenceSet, { status }).then(({ team }) => {
      if (this.store) this.store.team = team;
      this.requestUpdate();
    });
  }

  private onKey = (event: KeyboardEvent) => {
    if (!this.store || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && this.navOpen) {
      this.navOpen = false;
      return;
    }
    if (event.key === 'Escape' && typing(event)) {
      (event.composedPath()[0] as HTMLElement).blur();
      return;
    }
    if (typing(event) || this.shortcuts()?.open) return;
    const inbox = this.router.route.page === 'inbox' ? this.inbox() : null;
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

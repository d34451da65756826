import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { HOURS_WORDS } from './admin/hours-words';
import { consoleLang } from './console-lang';

export const ADMIN_SECTIONS = [
  'operators',
  'settings',
  'canned',
  'prechat',
  'register',
  'outbox',
  'api-keys',
  'webhooks',
  'data-systems',
  'hours',
  'attachments',
] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export const ADMIN_LABELS: Record<AdminSection, string> = {
  operators: 'Operators',
  settings: 'Inbox settings',
  canned: 'Canned replies',
  prechat: 'Pre-chat form',
  register: 'Register of requests',
  outbox: 'Dev outbox',
  'api-keys': 'API keys',
  webhooks: 'Webhooks',
  hours: HOURS_WORDS[consoleLang()].navHours,
  attachments: HOURS_WORDS[consoleLang()].navAttachments,
  'data-systems': 'Data systems',
};

/** A page of the console; each has its own address under /console/. */
export type Route =
  | { page: 'inbox'; conversationId: string | null }
  | { page: 'privacy'; requestId: number | null }
  | { page: 'privacy-new' }
  | { page: 'admin'; section: AdminSection }
  | { page: 'ratings' }
  | { page: 'not-found' };

const BASE = '/console';

/** The route an address names; `hash` keeps the links of the former tabbed console (#privacy, #outbox) working. */
export function parseRoute(pathname: string, hash = ''): Route {
  if (hash === '#privacy') return { page: 'privacy', requestId: null };
  if (hash === '#outbox') return { page: 'admin', section: 'outbox' };
  const parts = pathname
    .replace(/^\/console\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const [first, second, ...rest] = parts;
  if (rest.length) return { page: 'not-found' };
  if (first === undefined || (first === 'inbox' && second === undefined)) return { page: 'inbox', conversationId: null };
  if (first === 'inbox') return { page: 'inbox', conversationId: second };
  if (first === 'privacy' && second === undefined) return { page: 'privacy', requestId: null };
  if (first === 'privacy' && second === 'new') return { page: 'privacy-new' };
  if (first === 'privacy' && /^[1-9]\d{0,11}$/.test(second)) return { page: 'privacy', requestId: Number(second) };
  if (first === 'ratings' && second === undefined) return { page: 'ratings' };
  if (first === 'admin' && second === undefined) return { page: 'admin', section: 'operators' };
  if (first === 'admin' && (ADMIN_SECTIONS as readonly string[]).includes(second))
    return { page: 'admin', section: second as AdminSection };
  return { page: 'not-found' };
}

export function routePath(route: Route): string {
  switch (route.page) {
    case 'inbox':
      return route.conversationId ? `${BASE}/inbox/${encodeURIComponent(route.conversationId)}` : `${BASE}/inbox`;
    case 'privacy':
      return route.requestId ? `${BASE}/privacy/${route.requestId}` : `${BASE}/privacy`;
    case 'privacy-new':
      return `${BASE}/privacy/new`;
    case 'admin':
      return `${BASE}/admin/${route.section}`;
    case 'ratings':
      return `${BASE}/ratings`;
    case 'not-found':
      return `${BASE}/inbox`;
  }
}

/**
 * The console's address bar, as a reactive controller: the current route, pushes for navigation,
 * popstate for back/forward. Clicks on same-origin links under /console/ anywhere in the app (shadow
 * roots included) navigate without a page load.
 */
export class ConsoleRouter implements ReactiveController {
  route: Route;
  /** Called after every change of route (navigation or back/forward). */
  onChange: ((route: Route) => void) | null = null;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    this.route = parseRoute(location.pathname, location.hash);
    host.addController(this);
  }

  hostConnected(): void {
    // One canonical address per page: /console and #privacy become /console/inbox and /console/privacy.
    const canonical = routePath(this.route);
    if (this.route.page !== 'not-found' && canonical !== location.pathname) history.replaceState(null, '', canonical);
    window.addEventListener('popstate', this.onPop);
    this.host.addEventListener('click', this.onClick);
  }

  hostDisconnected(): void {
    window.removeEventListener('popstate', this.onPop);
    this.host.removeEventListener('click', this.onClick);
  }

  go(route: Route, options: { replace?: boolean } = {}): void {
    const path = routePath(route);
    if (path !== location.pathname) {
      if (options.replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    this.set(route);
  }

  private set(route: Route): void {
    this.route = route;
    this.host.requestUpdate();
    this.onChange?.(route);
  }

  private onPop = () => this.set(parseRoute(location.pathname));

  private onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.composedPath().find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement);
    if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin || !link.pathname.startsWith(`${BASE}/`))
      return;
    event.preventDefault();
    this.go(parseRoute(link.pathname));
  };
}

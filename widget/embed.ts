/**
 * The script a site includes: `<script src="https://chat.example.com/widget.js" async></script>`.
 * It paints the bubble and nothing else; the panel and socket.io-client load when the visitor opens the
 * chat, or at idle for a returning visitor. No storage is written and no connection opened before that;
 * for a visitor without a conversation it first asks `/widget-status.json` (one public GET, the same for
 * everyone) whether the admin hides the bubble outside the business hours. Loading it twice does nothing
 * the second time.
 *
 * Data attributes: `data-server`, `data-position` (right | left), `data-color` (accent), `data-lang`
 * (en | ru; else the page's or the browser's language), `data-greeting`, `data-privacy-url`,
 * `data-theme` (auto | light | dark), `data-sound` (on | off).
 *
 * Theming from the page: `--cw-*` custom properties on `cw-chat-widget`, and `::part(launcher | badge |
 * panel | header | log | composer | …)`.
 */
import { launcherStrings } from './common/i18n';
import type { ChatWidgetApi, IdentifyData, MountPanel, PanelHandle, WidgetConfig, WidgetEvent } from './common/widget-api';
import { STORAGE, panelFile } from './common/widget-api';

declare global {
  interface Window {
    chatWidget?: ChatWidgetApi;
  }
}

// `all: initial !important` on the host shuts out the page's styles, inherited ones included: inside a
// shadow root an !important declaration beats the page's, even its !important ones. Whatever we set on
// the host ourselves must then be !important too. Custom properties are not reset by `all`, so `--cw-*`
// set by the page still reach us (ours are plain, so the page's win). Offsets are custom properties too.
const DARK =
  '--cw-bg:#1e1f22;--cw-fg:#eceef1;--cw-muted:#aab0b9;--cw-border:#4a4e55;--cw-bubble-operator:#2e3035;--cw-danger:#f2b8b5;--cw-link:#a9bdff;--cw-focus:#eceef1;color-scheme:dark!important';
const CSS = `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;bottom:var(--cw-offset-bottom,20px)!important;right:var(--cw-offset-side,20px)!important;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif!important;color-scheme:light!important;
--cw-accent:#2f5bea;--cw-on-accent:#fff;--cw-bg:#fff;--cw-fg:#1c1e21;--cw-muted:#5a606b;--cw-border:#c9cdd4;--cw-bubble-visitor:var(--cw-accent);--cw-on-bubble-visitor:var(--cw-on-accent);--cw-bubble-operator:#eef0f3;--cw-danger:#b3261e;--cw-link:#2448c9;--cw-focus:#1c1e21}
:host([hidden]){display:none!important}
:host([position=left]){left:var(--cw-offset-side,20px)!important;right:auto!important}
:host([theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){${DARK}}}
.launcher{all:unset;box-sizing:border-box;width:60px;height:60px;border-radius:50%;background:var(--cw-accent);color:var(--cw-on-accent);display:grid;place-items:center;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);position:relative}
.launcher:focus-visible{outline:3px solid var(--cw-focus);outline-offset:3px}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;border-radius:11px;background:#b3261e;color:#fff;font-size:12px;font-weight:700;display:grid;place-items:center;padding:0 6px;border:2px solid #fff;box-sizing:border-box}
.badge[hidden]{display:none}
.panel-slot{position:absolute;bottom:76px;right:0}
:host([position=left]) .panel-slot{right:auto;left:0}
@media (max-width:480px){:host([open]) .launcher{display:none}}
`;

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';
const CLOSE_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z"/></svg>';

/** Black or white, whichever reads better on `hex` (WCAG relative luminance); null for non-hex colours. */
function textOn(hex: string): string | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const full = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white is 1.05/(l+.05), with black (l+.05)/.05: pick the larger.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#fff' : '#000';
}

function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const src = script?.src ? new URL(script.src, location.href) : new URL(location.href);
  const langTag = (data.lang || document.documentElement.lang || navigator.language || 'en').toLowerCase();
  return {
    server: (data.server || src.origin).replace(/\/$/, ''),
    lang: langTag.startsWith('ru') ? 'ru' : 'en',
    greeting: data.greeting || null,
    privacyUrl: data.privacyUrl || null,
    position: data.position === 'left' ? 'left' : 'right',
    sound: data.sound !== 'off',
  };
}

function hasConversation(): boolean {
  try {
    return localStorage.getItem(STORAGE.token) !== null;
  } catch {
    return false; // storage blocked: behave as a first visit
  }
}

function install(): void {
  if (window.chatWidget || document.querySelector('cw-chat-widget')) return;
  const script = document.currentScript as HTMLScriptElement | null;
  const config = readConfig(script);
  const panelUrl = new URL(panelFile(config.lang), script?.src || `${config.server}/widget.js`).href;
  const labels = launcherStrings[config.lang];

  const host = document.createElement('cw-chat-widget');
  host.setAttribute('position', config.position);
  const theme = script?.dataset.theme;
  if (theme === 'light' || theme === 'dark') host.setAttribute('theme', theme);
  const color = script?.dataset.color;
  if (color) {
    host.style.setProperty('--cw-accent', color);
    const on = textOn(color);
    if (on) host.style.setProperty('--cw-on-accent', on);
  }
  const root = host.attachShadow({ mode: 'open' });
  // A constructed sheet, not a <style> element: a page whose CSP allows no inline styles (our own demo
  // page included) blocks <style>, which would leave the bubble unstyled at the bottom-left.
  const constructable = 'adoptedStyleSheets' in root && typeof CSSStyleSheet !== 'undefined' && 'replaceSync' in CSSStyleSheet.prototype;
  if (constructable) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  }
  root.innerHTML = `${constructable ? '' : `<style>${CSS}</style>`}<div class="panel-slot" part="panel-slot"></div><button class="launcher" part="launcher" type="button" aria-expanded="false" aria-haspopup="dialog">${CHAT_ICON}</button><span class="badge" part="badge" aria-hidden="true" hidden></span>`;
  const launcher = root.querySelector<HTMLButtonElement>('.launcher')!;
  const badge = root.querySelector<HTMLSpanElement>('.badge')!;
  const slot = root.querySelector<HTMLDivElement>('.panel-slot')!;
  launcher.append(badge);

  const listeners = new Map<WidgetEvent, Set<(detail?: unknown) => void>>();
  const emit = (event: WidgetEvent, detail?: unknown) =>
    listeners.get(event)?.forEach((fn) => {
      try {
        fn(detail);
      } catch (error) {
        // A page's listener must not break the widget; report it like any uncaught error.
        setTimeout(() => {
          throw error;
        });
      }
    });
  let isOpen = false;
  let unread = 0;
  let panel: Promise<PanelHandle> | null = null;
  let identity: IdentifyData | null = null;

  const paintLauncher = () => {
    launcher.setAttribute('aria-expanded', String(isOpen));
    launcher.innerHTML = isOpen ? CLOSE_ICON : CHAT_ICON;
    launcher.append(badge);
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? '9+' : String(unread);
    launcher.setAttribute(
      'aria-label',
      isOpen ? labels.closeChat : unread ? `${labels.openChat} (${unread} ${labels.unread})` : labels.openChat,
    );
  };
  paintLauncher();

  const setUnread = (count: number) => {
    if (count === unread) return;
    unread = count;
    paintLauncher();
    emit('unread', count);
  };

  const loadPanel = (): Promise<PanelHandle> =>
    (panel ??= import(/* @vite-ignore */ panelUrl).then((mod: { mountPanel: MountPanel }) =>
      mod.mountPanel({ config, container: slot, emit, setUnread, requestClose: () => api.close(), identity }),
    ));

  const api: ChatWidgetApi = {
    open() {
      if (isOpen) return;
      isOpen = true;
      // The page's own button opens the chat even while the bubble is hidden outside the hours.
      host.hidden = false;
      host.setAttribute('open', '');
      paintLauncher();
      void loadPanel().then((p) => isOpen && p.open());
      emit('open');
    },
    close() {
      if (!isOpen) return;
      isOpen = false;
      host.removeAttribute('open');
      paintLauncher();
      void panel?.then((p) => p.close());
      // Back to the bubble, but only when focus was in the widget: a page calling close() keeps its own.
      if (document.activeElement === host) launcher.focus();
      emit('close');
    },
    toggle() {
      if (isOpen) api.close();
      else api.open();
    },
    identify(data) {
      identity = data;
      // Before the chat is loaded this only remembers the identity: it is sent when the chat connects.
      return panel ? panel.then((p) => p.identify(data)) : Promise.resolve();
    },
    reset() {
      identity = null;
      if (panel) void panel.then((p) => p.reset());
      else
        for (const key of Object.values(STORAGE))
          try {
            localStorage.removeItem(key);
          } catch {
            /* blocked: nothing stored either */
          }
      setUnread(0);
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(fn);
    },
    off(event, fn) {
      listeners.get(event)?.delete(fn);
    },
  };
  window.chatWidget = api;
  launcher.addEventListener('click', () => api.toggle());

  const attach = () => {
    document.body.append(host);
    if (hasConversation()) {
      // A returning visitor with a conversation: load quietly at idle so replies and the badge arrive.
      const idle = window.requestIdleCallback ?? ((cb: () => void) => setTimeout(cb, 1500));
      idle(() => void loadPanel());
      return;
    }
    // A new visitor sees the bubble unless the admin hides it outside the business hours (the answer is
    // the same for everyone and sends nothing about the visitor); no answer: the bubble, as before.
    // Hidden until then; hidden="hours" once the answer says so.
    host.hidden = true;
    fetch(`${config.server}/widget-status.json`, { credentials: 'omit' })
      .then((res) => res.json() as Promise<{ hidden?: boolean; backAt?: number }>)
      .catch(() => ({}) as { hidden?: boolean; backAt?: number })
      .then(({ hidden, backAt }) => {
        if (isOpen) return;
        if (!hidden) {
          host.hidden = false;
          return;
        }
        host.setAttribute('hidden', 'hours');
        // Still on the page when the team is back: the bubble comes then (timers top out at ~24 days).
        if (backAt)
          setTimeout(
            () => {
              if (host.getAttribute('hidden') === 'hours') host.hidden = false;
            },
            Math.min(backAt - Date.now(), 2e9),
          );
      });
  };
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach, { once: true });
}

install();

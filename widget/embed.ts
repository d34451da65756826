/**
 * The script a site includes: `<script src="https://chat.example.com/widget.js" async></script>`.
 * It paints the bubble and nothing else; the panel and socket.io-client load when the visitor opens the
 * chat, or at idle for a returning visitor. No storage is written and no connection opened before that.
 * Loading it twice does nothing the second time.
 */
import type { IdentifyData, MountPanel, PanelHandle, WidgetConfig, WidgetEvent } from './common/widget-api';
import { STORAGE, panelFile } from './common/widget-api';

interface ChatWidgetApi {
  open(): void;
  close(): void;
  toggle(): void;
  identify(data: IdentifyData): Promise<void>;
  reset(): void;
  on(event: WidgetEvent, fn: (detail?: unknown) => void): void;
  off(event: WidgetEvent, fn: (detail?: unknown) => void): void;
}

declare global {
  interface Window {
    chatWidget?: ChatWidgetApi;
  }
}

const LABELS = { en: ['Open chat', 'Close chat', 'unread'], ru: ['Открыть чат', 'Закрыть чат', 'непрочитанных'] } as const;

const CSS = `
:host{all:initial;position:fixed;z-index:2147483000;bottom:20px;right:20px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
--cw-accent:#2f5bea;--cw-on-accent:#fff;--cw-bg:#fff;--cw-fg:#1c1e21;--cw-muted:#5f6570;--cw-border:#d8dbe0;--cw-bubble-visitor:var(--cw-accent);--cw-bubble-operator:#eef0f3;--cw-danger:#b3261e;color-scheme:light}
:host([position=left]){right:auto;left:20px}
@media (prefers-color-scheme:dark){:host{--cw-bg:#1e1f22;--cw-fg:#eceef1;--cw-muted:#a4aab3;--cw-border:#3a3d42;--cw-bubble-operator:#2b2d31;color-scheme:dark}}
.launcher{all:unset;box-sizing:border-box;width:60px;height:60px;border-radius:50%;background:var(--cw-accent);color:var(--cw-on-accent);display:grid;place-items:center;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);position:relative}
.launcher:focus-visible{outline:3px solid var(--cw-fg);outline-offset:3px}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:var(--cw-danger);color:#fff;font-size:12px;font-weight:700;display:grid;place-items:center;padding:0 5px;box-sizing:border-box}
.badge[hidden]{display:none}
.panel-slot{position:absolute;bottom:76px;right:0}
:host([position=left]) .panel-slot{right:auto;left:0}
`;

const CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';
const CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z"/></svg>';

function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const src = script?.src ? new URL(script.src, location.href) : new URL(location.href);
  const langTag = (data.lang || document.documentElement.lang || navigator.language || 'en').toLowerCase();
  return {
    server: (data.server || src.origin).replace(/\/$/, ''),
    lang: langTag.startsWith('ru') ? 'ru' : 'en',
    greeting: data.greeting ?? null,
    privacyUrl: data.privacyUrl ?? null,
    position: data.position === 'left' ? 'left' : 'right',
  };
}

function install(): void {
  if (window.chatWidget) return;
  const script = document.currentScript as HTMLScriptElement | null;
  const config = readConfig(script);
  const panelUrl = new URL(panelFile(config.lang), script?.src || `${config.server}/widget.js`).href;
  const labels = LABELS[config.lang];

  const host = document.createElement('cw-chat-widget');
  host.setAttribute('position', config.position);
  if (script?.dataset.color) host.style.setProperty('--cw-accent', script.dataset.color);
  const root = host.attachShadow({ mode: 'open' });
  // A constructed sheet, not a <style> element: a page whose CSP allows no inline styles (our own demo
  // page included) blocks <style>, which left the bubble unstyled at the bottom-left.
  const constructable = 'adoptedStyleSheets' in root && typeof CSSStyleSheet !== 'undefined' && 'replaceSync' in CSSStyleSheet.prototype;
  if (constructable) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  }
  root.innerHTML = `${constructable ? '' : `<style>${CSS}</style>`}<div class="panel-slot" part="panel-slot"></div><button class="launcher" part="launcher" type="button" aria-expanded="false" aria-label="${labels[0]}">${CHAT_ICON}<span class="badge" part="badge" hidden></span></button>`;
  const launcher = root.querySelector<HTMLButtonElement>('.launcher')!;
  const badge = root.querySelector<HTMLSpanElement>('.badge')!;
  const slot = root.querySelector<HTMLDivElement>('.panel-slot')!;

  const listeners = new Map<WidgetEvent, Set<(detail?: unknown) => void>>();
  const emit = (event: WidgetEvent, detail?: unknown) => listeners.get(event)?.forEach((fn) => fn(detail));
  let isOpen = false;
  let unread = 0;
  let panel: Promise<PanelHandle> | null = null;

  const setUnread = (count: number) => {
    unread = count;
    badge.hidden = count === 0;
    badge.textContent = count > 9 ? '9+' : String(count);
    launcher.setAttribute('aria-label', count && !isOpen ? `${labels[0]} (${count} ${labels[2]})` : isOpen ? labels[1] : labels[0]);
    emit('unread', count);
  };

  const loadPanel = (): Promise<PanelHandle> =>
    (panel ??= import(/* @vite-ignore */ panelUrl).then((mod: { mountPanel: MountPanel }) =>
      mod.mountPanel({ config, container: slot, emit, setUnread, requestClose: () => api.close() }),
    ));

  const api: ChatWidgetApi = {
    open() {
      if (isOpen) return;
      isOpen = true;
      launcher.setAttribute('aria-expanded', 'true');
      launcher.innerHTML = CLOSE_ICON;
      launcher.append(badge);
      setUnread(unread);
      void loadPanel().then((p) => isOpen && p.open());
      emit('open');
    },
    close() {
      if (!isOpen) return;
      isOpen = false;
      launcher.setAttribute('aria-expanded', 'false');
      launcher.innerHTML = CHAT_ICON;
      launcher.append(badge);
      setUnread(unread);
      void panel?.then((p) => p.close());
      launcher.focus();
      emit('close');
    },
    toggle() {
      if (isOpen) api.close();
      else api.open();
    },
    identify: (data) => loadPanel().then((p) => p.identify(data)),
    reset() {
      void panel?.then((p) => p.reset());
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
    // A returning visitor with a conversation: load quietly at idle so replies and the badge arrive.
    let returning = false;
    try {
      returning = localStorage.getItem(STORAGE.token) !== null;
    } catch {
      /* storage blocked: behave as a first visit */
    }
    if (returning) {
      const idle = (window as { requestIdleCallback?: (cb: () => void) => void }).requestIdleCallback ?? ((cb: () => void) => setTimeout(cb, 1500));
      idle(() => void loadPanel());
    }
  };
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach, { once: true });
}

install();

/** The contract between the tiny loader (widget.js), the lazily loaded panel and the host page. */
import type { Lang } from '../../shared/types';

export interface WidgetConfig {
  server: string;
  lang: Lang;
  greeting: string | null;
  privacyUrl: string | null;
  position: 'right' | 'left';
  /** Whether a new message while the chat is closed or the tab hidden may chime (the visitor can mute it). */
  sound: boolean;
}

/** `message` carries a {@link WidgetMessage}; `unread` the number of unread operator messages. */
export type WidgetEvent = 'open' | 'close' | 'message' | 'unread';

/** What the page learns of a new message through `chatWidget.on('message', fn)`. */
export interface WidgetMessage {
  author: 'visitor' | 'operator' | 'system';
  text: string;
  operatorName: string | null;
  createdAt: number;
}

export interface IdentifyData {
  email: string;
  name?: string;
  signature: string;
}

/** `window.chatWidget`. */
export interface ChatWidgetApi {
  open(): void;
  close(): void;
  toggle(): void;
  /**
   * Vouches for the signed-in user's e-mail (signature: hex HMAC-SHA256 of the lower-cased e-mail with the
   * site's identity secret). Before the chat has connected it is remembered and sent on connecting; the
   * promise then settles at once. Once connected it settles when the server has checked it.
   */
  identify(data: IdentifyData): Promise<void>;
  /** Forgets this visitor in this browser (e.g. on sign-out): the next chat is a new conversation. */
  reset(): void;
  on(event: WidgetEvent, fn: (detail?: unknown) => void): void;
  off(event: WidgetEvent, fn: (detail?: unknown) => void): void;
}

export interface PanelHost {
  config: WidgetConfig;
  /** The element the panel renders into (inside the loader's shadow root). */
  container: HTMLElement;
  emit(event: WidgetEvent, detail?: unknown): void;
  setUnread(count: number): void;
  /** The panel asks to close (Esc, its close button). */
  requestClose(): void;
  /** An identity the page passed before the panel loaded. */
  identity: IdentifyData | null;
}

export interface PanelHandle {
  /** Shows the panel and moves keyboard focus into it. */
  open(): void;
  close(): void;
  identify(data: IdentifyData): Promise<void>;
  reset(): void;
}

export type MountPanel = (host: PanelHost) => PanelHandle;

/** The panel bundle for `lang`, next to widget.js; built once per language with only its catalogue. */
export function panelFile(lang: Lang): string {
  return `widget-panel.${lang}.js`;
}

/** The panel's `part` names, exported through the loader's shadow root for `cw-chat-widget::part(…)`. */
export const PANEL_PARTS = [
  'panel',
  'header',
  'close',
  'log',
  'message',
  'message-visitor',
  'message-operator',
  'composer',
  'input',
  'send',
  'away',
  'footer',
] as const;

/**
 * localStorage keys, written only once the visitor has opened the chat (or already has a conversation).
 */
export const STORAGE = {
  token: 'cw:token',
  pending: 'cw:pending',
  requests: 'cw:requests',
  /** The highest message sequence the visitor has seen, shared by tabs: reading in one clears all. */
  read: 'cw:read',
  /** The last sequence some tab chimed for, so several tabs chime once. */
  chimed: 'cw:chimed',
  sound: 'cw:sound',
} as const;

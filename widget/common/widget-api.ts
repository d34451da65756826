/** The contract between the tiny loader (widget.js) and the lazily loaded panel (widget-panel.js). */
import type { Lang } from '../../shared/types';

export interface WidgetConfig {
  server: string;
  lang: Lang;
  greeting: string | null;
  privacyUrl: string | null;
  position: 'right' | 'left';
}

export type WidgetEvent = 'open' | 'close' | 'message' | 'unread';

export interface IdentifyData {
  email: string;
  name?: string;
  signature: string;
}

export interface PanelHost {
  config: WidgetConfig;
  /** The element the panel renders into (inside the loader's shadow root). */
  container: HTMLElement;
  emit(event: WidgetEvent, detail?: unknown): void;
  setUnread(count: number): void;
  /** The panel asks to close (Esc, its close button). */
  requestClose(): void;
}

export interface PanelHandle {
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

export const STORAGE = {
  token: 'cw:token',
  pending: 'cw:pending',
  requests: 'cw:requests',
  open: 'cw:open',
} as const;

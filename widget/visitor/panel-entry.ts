/** The lazily loaded half of the widget: mounts the Lit panel into the loader's shadow root. */
import type { MessageDto } from '../../shared/types';
import { PANEL_PARTS, type MountPanel, type WidgetMessage } from '../common/widget-api';
import { CwChatPanel } from './cw-chat-panel';

export const mountPanel: MountPanel = (host) => {
  const panel = document.createElement('cw-chat-panel') as CwChatPanel;
  panel.config = host.config;
  panel.identity = host.identity;
  panel.hidden = true;
  // Nested shadow roots: the page reaches the panel's parts as `cw-chat-widget::part(…)`.
  panel.setAttribute('exportparts', PANEL_PARTS.join(','));
  panel.addEventListener('cw-close', () => host.requestClose());
  panel.addEventListener('cw-unread', (event) => host.setUnread((event as CustomEvent<number>).detail));
  panel.addEventListener('cw-message', (event) => {
    const { author, text, operatorName, createdAt } = (event as CustomEvent<MessageDto>).detail;
    host.emit('message', { author, text, operatorName, createdAt } satisfies WidgetMessage);
  });
  host.container.append(panel);

  return {
    open() {
      panel.hidden = false;
      panel.open = true;
      panel.focusComposer();
    },
    close() {
      panel.hidden = true;
      panel.open = false;
    },
    identify: (data) => panel.conn.identify(data),
    reset() {
      panel.conn.reset();
    },
  };
};

export { CwChatPanel };

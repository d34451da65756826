/** The lazily loaded half of the widget: mounts the Lit panel into the loader's shadow root. */
import type { MessageDto } from '../../shared/types';
import type { MountPanel } from '../common/widget-api';
import { CwChatPanel } from './cw-chat-panel';

export const mountPanel: MountPanel = (host) => {
  const panel = document.createElement('cw-chat-panel') as CwChatPanel;
  panel.config = host.config;
  panel.hidden = true;
  let open = false;
  let unread = 0;
  panel.addEventListener('cw-close', () => host.requestClose());
  panel.addEventListener('cw-incoming', (event) => {
    const message = (event as CustomEvent<MessageDto>).detail;
    host.emit('message', message);
    if (!open || document.hidden) host.setUnread(++unread);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && open && unread) host.setUnread((unread = 0));
  });
  host.container.append(panel);

  return {
    open() {
      open = true;
      panel.hidden = false;
      unread = 0;
      host.setUnread(0);
      panel.focusComposer();
    },
    close() {
      open = false;
      panel.hidden = true;
    },
    identify: (data) => panel.conn.identify(data),
    reset() {
      panel.conn.reset();
    },
  };
};

export { CwChatPanel };

import { OperatorEvent } from '../../shared/protocol';
import type { OperatorDeps, OperatorSocket } from '../realtime/operator-socket';
import type { Registrar, Who } from './console-handlers';

/** The console's pre-chat form events: the admin's form and consent register, and a visitor's answers. */
export function registerPrechatHandlers(on: Registrar, socket: OperatorSocket, who: Who, deps: OperatorDeps): void {
  const { me, admin } = who;
  on(socket, OperatorEvent.prechatGet, () => {
    admin();
    return deps.prechat.settings();
  });
  on(socket, OperatorEvent.prechatSave, async (input) => {
    admin();
    return deps.prechat.save(input);
  });
  on(socket, OperatorEvent.consentVersions, () => {
    admin();
    return { versions: deps.prechat.versions() };
  });
  on(socket, OperatorEvent.prechatVisitor, (input) => {
    me();
    return { prechat: deps.prechat.visitorView(input.conversationId) };
  });
}

import { OperatorEvent } from '../../shared/protocol';
import type { OperatorDeps, OperatorSocket } from '../realtime/operator-socket';
import type { Registrar, Who } from './console-handlers';

/** The console's pre-chat form events: the admin's form and consent register, and a visitor's answers. */
export function registerPrechatHandlers(on: Registrar, socket: OperatorSocket, who: Who, deps: OperatorDeps): void {
  const { me, admin } = who;
  on(socket, OperatorEvent.prechatGet, async () => {
    await admin();
    return deps.prechat.settings();
  });
  on(socket, OperatorEvent.prechatSave, async (input) => {
    await admin();
    return deps.prechat.save(input);
  });
  on(socket, OperatorEvent.consentVersions, async () => {
    await admin();
    return { versions: await deps.prechat.versions() };
  });
  on(socket, OperatorEvent.prechatVisitor, async (input) => {
    await me();
    return { prechat: await deps.prechat.visitorView(input.conversationId) };
  });
}

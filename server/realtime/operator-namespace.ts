import { AppError } from '../../shared/errors';
import { operatorEventSchemas } from '../../shared/event-schemas';
import { OperatorEvent, type OperatorRpc } from '../../shared/protocol';
import type { OperatorRow } from '../db/repositories/operator-repository';
import { readSessionToken } from '../http/session-cookie';
import { actorOf } from '../privacy/privacy-service';
import { registerConsoleHandlers } from '../console/console-handlers';
import { registerPrechatHandlers } from '../console/prechat-handlers';
import { createRegistrar } from './handle';
import type { OperatorDeps, OperatorNamespace, OperatorSocket } from './operator-socket';
import { rooms } from './rooms';

export type { OperatorNamespace };

/** How often live connections are checked against their sessions (catches changes made from the command line). */
const SESSION_SWEEP_MS = 30_000;

/**
 * The /operator namespace: refuses connections without a live session; re-checks it on every event,
 * at once when a session is revoked here, and every 30 s for changes made elsewhere (the admin CLI).
 */
export function attachOperatorNamespace(
  nsp: OperatorNamespace,
  deps: OperatorDeps,
): { revalidate(operatorId?: number): Promise<void>; stop(): void } {
  const on = createRegistrar<OperatorRpc>(operatorEventSchemas, deps.log);

  nsp.use((socket, next) => {
    const token = readSessionToken(socket.handshake.headers.cookie);
    const admit = (operator: OperatorRow | null) => {
      if (!operator || !token) return next(new Error('unauthorized'));
      socket.data = { sessionToken: token, operatorId: operator.id };
      next();
    };
    deps.auth.operatorForSession(token).then(admit, next);
  });

  nsp.on('connection', (socket: OperatorSocket) => {
    socket.join([rooms.operators, rooms.operator(socket.data.operatorId)]);
    deps.presence.connected(socket.data.operatorId);
    socket.on('disconnect', () => deps.presence.disconnected(socket.data.operatorId));

    /** The operator behind this socket, as of now: a signed-out or disabled operator is cut off. */
    const me = async (): Promise<OperatorRow> => {
      const operator = await deps.auth.operatorForSession(socket.data.sessionToken);
      if (!operator) {
        // After this event's ack has gone out: a socket cut off at once would drop the `unauthorized` answer.
        setImmediate(() => socket.disconnect(true));
        throw new AppError('unauthorized', 'Your session has ended. Please sign in again.');
      }
      return operator;
    };
    const admin = async (): Promise<OperatorRow> => {
      const operator = await me();
      if (operator.role !== 'admin') throw new AppError('forbidden', 'Only admins can do this.');
      return operator;
    };

    on(socket, OperatorEvent.conversationList, async (input) => ({ conversations: await deps.chat.list(input.view, (await me()).id) }));
    on(socket, OperatorEvent.conversationOpen, async (input) => {
      await me();
      return deps.chat.open(input.conversationId, input.afterSeq, input.limit, input.beforeSeq);
    });
    on(socket, OperatorEvent.conversationClaim, async (input) => ({
      conversation: await deps.chat.claim(await me(), input.conversationId),
    }));
    on(socket, OperatorEvent.conversationResolve, async (input) => {
      await me();
      return { conversation: await deps.chat.setStatus(input.conversationId, 'resolved') };
    });
    on(socket, OperatorEvent.conversationReopen, async (input) => {
      await me();
      return { conversation: await deps.chat.setStatus(input.conversationId, 'open') };
    });
    on(socket, OperatorEvent.messageSend, async (input) => ({ message: await deps.chat.operatorSend(await me(), input) }));
    on(socket, OperatorEvent.typingSet, async (input) => {
      await deps.chat.typing(input.conversationId, 'operator', input.typing, (await me()).name);
      return null;
    });

    on(socket, OperatorEvent.privacyList, async (input) => ({ requests: await deps.privacy.list(await me(), input) }));
    on(socket, OperatorEvent.privacyGet, async (input) => deps.privacy.get(await me(), input.id));
    on(socket, OperatorEvent.privacyAct, async (input) => ({ request: await deps.privacy.act(await me(), input) }));
    on(socket, OperatorEvent.privacyPreview, async (input) => {
      await me();
      return { preview: await deps.privacy.erasurePreview(input.id) };
    });
    on(socket, OperatorEvent.privacyReply, async (input) => {
      const operator = await me();
      return deps.privacy.mailRequester(actorOf(operator), operator.id, input);
    });
    on(socket, OperatorEvent.privacyClassify, async (input) => ({ request: await deps.privacy.classify(actorOf(await me()), input) }));
    on(socket, OperatorEvent.privacyFile, async (input) => ({ request: await deps.privacy.fileByOperator(await me(), input) }));

    on(socket, OperatorEvent.outboxList, async () => {
      await admin();
      return { mails: await deps.admin.outbox() };
    });
    on(socket, OperatorEvent.apiKeyList, async () => {
      await admin();
      return { keys: await deps.admin.apiKeys() };
    });
    on(socket, OperatorEvent.apiKeyCreate, async (input) => deps.admin.createApiKey(await admin(), input.label));
    on(socket, OperatorEvent.apiKeyRevoke, async (input) => {
      await admin();
      await deps.admin.revokeApiKey(input.id);
      return null;
    });
    on(socket, OperatorEvent.webhookList, async () => {
      await admin();
      return { webhooks: await deps.admin.webhooks() };
    });
    on(socket, OperatorEvent.webhookCreate, async (input) => {
      await admin();
      return deps.admin.createWebhook(input.url);
    });
    on(socket, OperatorEvent.webhookDelete, async (input) => {
      await admin();
      await deps.admin.deleteWebhook(input.id);
      return null;
    });

    on(socket, OperatorEvent.dataSystemList, async () => {
      await me();
      return { systems: await deps.privacy.dataSystems() };
    });
    on(socket, OperatorEvent.dataSystemSave, async (input) => deps.privacy.saveDataSystem(await admin(), input));
    on(socket, OperatorEvent.dataSystemDelete, async (input) => deps.privacy.archiveDataSystem(await admin(), input.id));
    on(socket, OperatorEvent.privacySystemRecord, async (input) => ({ request: await deps.privacy.recordSystem(await me(), input) }));
    on(socket, OperatorEvent.privacySystemResend, async (input) => ({ request: await deps.dataSystems.resend(await me(), input) }));

    registerConsoleHandlers(on, socket, { me, admin }, deps);
    registerPrechatHandlers(on, socket, { me, admin }, deps);
  });

  const revalidate = async (operatorId?: number): Promise<void> => {
    // The sweep looks at this node's sockets only (every node sweeps its own); one operator's sessions
    // ended on any node are cut wherever that operator is connected.
    const sockets = await (operatorId === undefined ? nsp.local.fetchSockets() : nsp.in(rooms.operator(operatorId)).fetchSockets());
    for (const socket of sockets) {
      if (!(await deps.auth.operatorForSession(socket.data.sessionToken))) socket.disconnect(true);
    }
  };
  const sweep = setInterval(() => void revalidate(), SESSION_SWEEP_MS);
  sweep.unref();
  return { revalidate, stop: () => clearInterval(sweep) };
}

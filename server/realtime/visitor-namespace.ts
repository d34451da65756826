import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { AppError } from '../../shared/errors';
import { visitorEventSchemas } from '../../shared/event-schemas';
import {
  VisitorEvent,
  type VisitorClientToServer,
  type VisitorRpc,
  type VisitorServerToClient,
} from '../../shared/protocol';
import type { Lang } from '../../shared/types';
import type { VisitorContext } from '../db/repositories/conversation-repository';
import type { ChatService } from '../services/chat-service';
import { summariseUserAgent } from '../services/visitor-context';
import type { PrivacyService } from '../services/privacy-service';
import type { VisitorService } from '../services/visitor-service';
import { createRegistrar } from './handle';
import { rooms } from './rooms';

export interface VisitorSocketData {
  visitorId: number | null;
  lang: Lang | null;
  page: VisitorContext | null;
}

export type VisitorNamespace = Namespace<VisitorClientToServer, VisitorServerToClient, Record<string, never>, VisitorSocketData>;
type VisitorSocket = Socket<VisitorClientToServer, VisitorServerToClient, Record<string, never>, VisitorSocketData>;

export interface VisitorDeps {
  visitors: VisitorService;
  chat: ChatService;
  privacy: PrivacyService;
  operatorsOnline: () => boolean;
  clientIp: (socket: Socket) => string;
  log: Logger;
}

/** The /visitor namespace: a socket is anonymous until `visitor:hello` binds it to a visitor. */
export function attachVisitorNamespace(nsp: VisitorNamespace, deps: VisitorDeps): void {
  const on = createRegistrar<VisitorRpc>(visitorEventSchemas, deps.log);

  nsp.on('connection', (socket: VisitorSocket) => {
    socket.data = { visitorId: null, lang: null, page: null };
    const ip = deps.clientIp(socket);

    const visitorId = (): number => {
      if (socket.data.visitorId === null) throw new AppError('unauthorized', 'Say hello first.');
      return socket.data.visitorId;
    };

    on(socket, VisitorEvent.hello, async (input) => {
      const { visitor, token } = await deps.visitors.resume(input, ip);
      // Only a coarse device summary is kept of the user agent; the IP address is never stored.
      const page = input.page ? { ...input.page, device: summariseUserAgent(socket.handshake.headers['user-agent']) } : null;
      if (page) await deps.chat.visitorSeen(visitor.id, page);
      // The socket may have gone while the hello's writes were committed; rooms joined now would never be left.
      if (socket.disconnected) throw new AppError('unauthorized', 'This connection has closed.');
      if (socket.data.visitorId !== null && socket.data.visitorId !== visitor.id) socket.leave(rooms.visitor(socket.data.visitorId));
      socket.data.visitorId = visitor.id;
      socket.data.lang = input.lang ?? visitor.lang;
      socket.data.page = page;
      socket.join(rooms.visitor(visitor.id));
      if (input.requestTokens?.length) {
        for (const { requestId } of deps.privacy.trackedRequests(input.requestTokens)) socket.join(rooms.request(requestId));
      }
      const conversation = deps.chat.visitorConversation(visitor.id);
      return {
        token,
        conversation: conversation && {
          id: conversation.id,
          status: conversation.status,
          lastSeq: conversation.lastSeq,
          assignedOperatorName: conversation.assignedOperatorName,
        },
        messages: deps.chat.visitorHistory(visitor.id, undefined).messages,
        operatorsOnline: deps.operatorsOnline(),
        contactEmail: visitor.email,
      };
    });

    on(socket, VisitorEvent.identify, (input) => {
      deps.visitors.identify(visitorId(), input);
      return { identified: true as const };
    });

    on(socket, VisitorEvent.contactLeave, async (input) => {
      const id = visitorId();
      deps.visitors.leaveContact(id, input);
      await deps.chat.contactNote(id, input.email, socket.data.lang);
      return { email: input.email };
    });

    on(socket, VisitorEvent.messageSend, async (input) => {
      const message = await deps.chat.visitorSend(visitorId(), input, socket.data.page);
      return { message };
    });

    on(socket, VisitorEvent.messageHistory, (input) => deps.chat.visitorHistory(visitorId(), input.afterSeq, input.limit));

    on(socket, VisitorEvent.typingSet, (input) => {
      const conversation = deps.chat.visitorConversation(visitorId());
      if (conversation) deps.chat.typing(conversation.id, 'visitor', input.typing, null);
      return null;
    });

    on(socket, VisitorEvent.privacyStart, async (input) => {
      const result = await deps.privacy.startFromChat(input, { visitorId: visitorId(), ip, lang: input.lang ?? socket.data.lang ?? 'en' });
      if (result.status === 'filed') socket.join(rooms.request(result.requestId));
      if (result.status === 'filed') {
        const { requestId: _id, ...rest } = result;
        return rest;
      }
      return result;
    });

    on(socket, VisitorEvent.privacyVerify, async (input) => {
      const { requestId, ...tracked } = await deps.privacy.verifyCode(input, visitorId());
      socket.join(rooms.request(requestId));
      return tracked;
    });

    on(socket, VisitorEvent.privacyResend, async (input) => {
      return deps.privacy.resendCode(input.verificationId, ip, visitorId());
    });

    on(socket, VisitorEvent.privacyStatus, (input) => {
      visitorId();
      const found = deps.privacy.trackedRequests(input.requestTokens);
      for (const { requestId } of found) socket.join(rooms.request(requestId));
      return { requests: found.map(({ requestId: _id, ...tracked }) => tracked) };
    });
  });
}

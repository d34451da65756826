import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { AppError } from '../../shared/errors';
import { visitorEventSchemas } from '../../shared/event-schemas';
import { VisitorEvent, type VisitorClientToServer, type VisitorRpc, type VisitorServerToClient } from '../../shared/protocol';
import type { Lang } from '../../shared/types';
import type { VisitorContext } from '../db/repositories/conversation-repository';
import type { ChatService } from '../chat/chat-service';
import { toConversationDto } from '../chat/conversation-dto';
import type { RatingService } from '../chat/rating-service';
import type { TranscriptService } from '../chat/transcript-service';
import type { AttachmentService } from '../attachments/attachment-service';
import type { WidgetSettingsService } from '../console/widget-settings-service';
import { summariseUserAgent } from '../chat/visitor-context';
import type { PrivacyDesk } from '../privacy/privacy-desk';
import type { VisitorService } from '../chat/visitor-service';
import type { PrechatService } from '../chat/prechat-service';
import { createDispatcher } from './handle';
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
  privacy: PrivacyDesk;
  operatorsOnline: () => boolean | Promise<boolean>;
  widget: WidgetSettingsService;
  ratings: RatingService;
  transcripts: TranscriptService;
  attachments: AttachmentService;
  prechat: PrechatService;
  clientIp: (socket: Socket) => string;
  log: Logger;
}

/**
 * The /visitor namespace: a socket is anonymous until `visitor:hello` binds it to a visitor. The handlers
 * are defined once for all sockets and take the socket as an argument: a socket holds only its `data`
 * and the namespace's one shared listener (memory per connection is a budget: 10,000 visitors).
 */
export function attachVisitorNamespace(nsp: VisitorNamespace, deps: VisitorDeps): void {
  const visitorId = (socket: VisitorSocket): number => {
    if (socket.data.visitorId === null) throw new AppError('unauthorized', 'Say hello first.');
    return socket.data.visitorId;
  };

  const listen = createDispatcher<VisitorRpc, VisitorSocket>(
    visitorEventSchemas,
    {
      [VisitorEvent.hello]: async (input, socket) => {
        const { visitor, token } = await deps.visitors.resume(input, deps.clientIp(socket));
        // Only a coarse device summary is kept of the user agent; the IP address is never stored.
        const page = input.page ? { ...input.page, device: summariseUserAgent(socket.handshake.headers['user-agent']) } : null;
        if (page) await deps.chat.visitorSeen(visitor.id, page);
        const tracked = input.requestTokens?.length ? await deps.privacy.trackedRequests(input.requestTokens) : [];
        // The socket may have gone while the hello's writes were committed; rooms joined now would never be left.
        if (socket.disconnected) throw new AppError('unauthorized', 'This connection has closed.');
        if (socket.data.visitorId !== null && socket.data.visitorId !== visitor.id) socket.leave(rooms.visitor(socket.data.visitorId));
        socket.data.visitorId = visitor.id;
        socket.data.lang = input.lang ?? visitor.lang;
        socket.data.page = page;
        socket.join(rooms.visitor(visitor.id));
        for (const { requestId } of tracked) socket.join(rooms.request(requestId));
        // Read after joining the visitor's room: a message stored from here on is pushed to this socket.
        const conversation = await deps.chat.visitorConversation(visitor.id);
        return {
          ...deps.widget.texts(socket.data.lang ?? 'en'),
          availability: deps.widget.availability(),
          ratingAsk: deps.ratings.askFor(conversation && toConversationDto(conversation)),
          token,
          conversation: conversation && {
            id: conversation.id,
            status: conversation.status,
            lastSeq: conversation.lastSeq,
            assignedOperatorName: conversation.assignedOperatorName,
          },
          messages: (await deps.chat.visitorHistory(visitor.id, undefined)).messages,
          operatorsOnline: await deps.operatorsOnline(),
          contactEmail: visitor.email,
          attachments: deps.attachments.settings(),
          prechat: conversation ? null : await deps.prechat.formFor(visitor, socket.data.lang ?? 'en'),
        };
      },

      [VisitorEvent.identify]: async (input, socket) => {
        await deps.visitors.identify(visitorId(socket), input);
        return { identified: true as const };
      },

      [VisitorEvent.contactLeave]: async (input, socket) => {
        const id = visitorId(socket);
        await deps.visitors.leaveContact(id, input);
        await deps.chat.contactNote(id, input.email, socket.data.lang);
        return { email: input.email };
      },

      [VisitorEvent.messageSend]: async (input, socket) => {
        const message = await deps.chat.visitorSend(visitorId(socket), input, socket.data.page, socket.id);
        return { message };
      },

      [VisitorEvent.messageHistory]: (input, socket) => deps.chat.visitorHistory(visitorId(socket), input.afterSeq, input.limit),

      [VisitorEvent.typingSet]: async (input, socket) => {
        const conversation = await deps.chat.visitorConversation(visitorId(socket));
        if (conversation) await deps.chat.typing(conversation.id, 'visitor', input.typing, null);
        return null;
      },

      [VisitorEvent.privacyStart]: async (input, socket) => {
        const result = await deps.privacy.startFromChat(input, {
          visitorId: visitorId(socket),
          ip: deps.clientIp(socket),
          lang: input.lang ?? socket.data.lang ?? 'en',
        });
        if (result.status === 'filed') {
          socket.join(rooms.request(result.requestId));
          const { requestId: _id, ...rest } = result;
          return rest;
        }
        return result;
      },

      [VisitorEvent.privacyVerify]: async (input, socket) => {
        const { requestId, ...tracked } = await deps.privacy.verifyCode(input, visitorId(socket));
        socket.join(rooms.request(requestId));
        return tracked;
      },

      [VisitorEvent.privacyResend]: async (input, socket) => {
        const id = visitorId(socket);
        return deps.privacy.resendCode(input.verificationId, deps.clientIp(socket), id);
      },

      [VisitorEvent.attachmentLink]: (input, socket) => deps.attachments.link({ visitorId: visitorId(socket) }, input.attachmentId),

      [VisitorEvent.ratingSubmit]: async (input, socket) => ({ rating: await deps.ratings.submit(visitorId(socket), input) }),

      [VisitorEvent.transcriptRequest]: (input, socket) =>
        deps.transcripts.request(visitorId(socket), input, socket.data.lang ?? 'en', deps.clientIp(socket)),

      [VisitorEvent.prechatSubmit]: async (input, socket) => {
        await deps.prechat.submit(visitorId(socket), input, socket.data.lang ?? 'en');
        return { submitted: true as const };
      },

      [VisitorEvent.privacyStatus]: async (input, socket) => {
        visitorId(socket);
        const found = await deps.privacy.trackedRequests(input.requestTokens);
        // As in the hello: a room joined by a socket that has gone would never be left.
        if (socket.disconnected) throw new AppError('unauthorized', 'This connection has closed.');
        for (const { requestId } of found) socket.join(rooms.request(requestId));
        return { requests: found.map(({ requestId: _id, ...tracked }) => tracked) };
      },
    },
    deps.log,
  );

  nsp.on('connection', (socket: VisitorSocket) => {
    socket.data = { visitorId: null, lang: null, page: null };
    listen(socket);
  });
}

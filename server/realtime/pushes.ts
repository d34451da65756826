import { OperatorPush, VisitorPush } from '../../shared/protocol';
import type { CannedReplyService } from '../console/canned-reply-service';
import type { PresenceService } from '../console/presence-service';
import type { TeamService } from '../console/team-service';
import type { RatingService } from '../chat/rating-service';
import type { EventBus } from '../platform/events';
import { whenRead } from '../db/when-read';
import type { OperatorFanOut } from './operator-fanout';
import { rooms } from './rooms';
import type { VisitorNamespace } from './visitor-namespace';

export interface PushTargets {
  bus: EventBus;
  visitors: VisitorNamespace;
  operators: OperatorFanOut;
  team: TeamService;
  canned: CannedReplyService;
  presence: PresenceService;
  ratings: RatingService;
  /** Cuts the live consoles of an operator whose sessions ended. */
  revalidate(operatorId: number): void;
  /** Sockets of other nodes share these rooms (the Redis adapter): this node's rooms are not the whole picture. */
  clustered: boolean;
}

/**
 * Domain events → socket pushes, in one place: which event reaches whom, and in what shape. Services
 * publish on the bus and never touch a socket; handlers answer the socket that asked and push nothing.
 * Returns the widget's offline-mode check (an operator connected and not away).
 */
export function connectPushes(to: PushTargets): { operatorsOnline: () => boolean | Promise<boolean> } {
  const { bus } = to;
  const operatorsOnline = () => to.presence.anyOnline();
  let lastPresence = false;
  /** The latest look; a store answering later could answer an older look last, and that answer is dropped. */
  let looks = 0;
  const presenceChanged = () => {
    // Disconnect handlers run before the socket leaves the map; look again on the next turn.
    setImmediate(() => {
      const look = ++looks;
      const told = whenRead(operatorsOnline(), (online) => {
        if (look !== looks || online === lastPresence) return;
        lastPresence = online;
        // Every node works presence out for itself (presence-service.ts): each tells its own visitors.
        to.visitors.local.emit(VisitorPush.presence, { operatorsOnline: online });
      });
      if (told instanceof Promise) told.catch(() => {});
    });
  };
  // Pushed as soon as read: within the event while the store answers synchronously (SQLite), as before.
  const pushed = (answer: void | Promise<void>) => {
    if (answer instanceof Promise) answer.catch(() => {});
  };

  bus.on('team:changed', () => {
    presenceChanged();
    pushed(whenRead(to.team.list(), (team) => to.operators.emitLocal(OperatorPush.team, team)));
  });
  bus.on('operator:sessions-revoked', ({ operatorId }) => to.revalidate(operatorId));
  // Notes go to operators only: there is deliberately no visitor-side listener for them.
  bus.on('note:created', ({ note }) => to.operators.emit(OperatorPush.noteNew, note));
  bus.on('canned:changed', () => pushed(whenRead(to.canned.list(), (replies) => to.operators.emit(OperatorPush.canned, replies))));
  bus.on('settings:changed', ({ settings }) => to.operators.emit(OperatorPush.settings, settings));

  bus.on('message:created', ({ message, conversation, visitorId, origin }) => {
    // The visitor's other tabs; the sending one reads it in its acknowledgement (one frame fewer per message).
    // Most visitors have one tab: a broadcast would encode the frame for nobody, so it is skipped — on a
    // single node, which knows every tab; in a cluster another tab may be on another node.
    const room = to.visitors.adapter.rooms.get(rooms.visitor(visitorId));
    if (to.clustered || (room && room.size > (origin !== undefined && room.has(origin) ? 1 : 0))) {
      const tabs = to.visitors.to(rooms.visitor(visitorId));
      (origin ? tabs.except(origin) : tabs).emit(VisitorPush.messageNew, message);
    }
    to.operators.message({ message, conversation });
  });
  bus.on('conversation:changed', ({ conversation }) => {
    to.operators.emit(OperatorPush.conversationUpsert, conversation);
  });
  bus.on('conversation:status', ({ conversation, visitorId }) => {
    to.visitors
      .to(rooms.visitor(visitorId))
      .emit(VisitorPush.conversationStatus, { status: conversation.status, ratingAsk: to.ratings.askFor(conversation) });
  });
  bus.on('availability:changed', ({ availability }) => to.visitors.emit(VisitorPush.availability, availability));
  bus.on('typing:changed', ({ conversationId, visitorId, from, typing, name }) => {
    if (from === 'visitor') to.operators.emit(OperatorPush.typing, { conversationId, typing });
    else to.visitors.to(rooms.visitor(visitorId)).emit(VisitorPush.typing, { typing, name });
  });
  bus.on('chats:erased', ({ visitorIds, conversationIds }) => {
    if (conversationIds.length) to.operators.emit(OperatorPush.conversationsRemoved, { conversationIds });
    for (const id of visitorIds) to.visitors.to(rooms.visitor(id)).emit(VisitorPush.erased);
  });
  bus.on('privacy:changed', ({ request }) => {
    to.operators.privacyRequest(request);
    const { id, reference, type, state, dueAt, createdAt, completedAt, rejectionReason, extended } = request;
    // The requester sees each system's name and outcome, never its evidence or who answered.
    const systems = request.systems.map(({ name, state, legalBasis }) => ({ name, state, legalBasis }));
    to.visitors
      .to(rooms.request(id))
      .emit(VisitorPush.privacyUpdate, { reference, type, state, dueAt, createdAt, completedAt, rejectionReason, extended, systems });
  });
  return { operatorsOnline };
}

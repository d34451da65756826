import { EventEmitter } from 'node:events';
import type { ConversationDto, InboxSettingsDto, MessageDto, NoteDto, PrivacyRequestDto } from '../../shared/types';
import type { AvailabilityDto } from '../../shared/widget-settings';

/** Domain events services publish; the realtime layer turns them into socket pushes. */
export interface DomainEvents {
  /** A stored message and its conversation as read after the write (operators get both in one push). */
  'message:created': {
    message: MessageDto;
    conversation: ConversationDto;
    visitorId: number;
    /** The visitor connection that sent it, if any: it has the message in its acknowledgement, so it gets no push. */
    origin?: string;
  };
  'conversation:changed': { conversation: ConversationDto; visitorId: number };
  /** An operator resolved or reopened the conversation (also announced as `conversation:changed`). */
  'conversation:status': { conversation: ConversationDto; visitorId: number };
  /** By the business hours the team opened or closed, or the admin changed the hours. */
  'availability:changed': { availability: AvailabilityDto };
  'typing:changed': { conversationId: string; visitorId: number; from: 'visitor' | 'operator'; typing: boolean; name: string | null };
  'privacy:changed': { request: PrivacyRequestDto };
  /** An erasure deleted these visitors and their conversations (conversations by public id). */
  'chats:erased': { visitorIds: number[]; conversationIds: string[] };
  'note:created': { note: NoteDto };
  /** Someone joined, left, went away, was added, disabled or enabled: the team list changed. */
  'team:changed': Record<string, never>;
  /** Sessions of this operator were ended (disabled, password reset or changed): cut their live sockets. */
  'operator:sessions-revoked': { operatorId: number };
  'canned:changed': Record<string, never>;
  'settings:changed': { settings: InboxSettingsDto };
}

/** A typed wrapper over EventEmitter; one per app, passed to whoever needs it. */
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends keyof DomainEvents>(name: K, listener: (payload: DomainEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}

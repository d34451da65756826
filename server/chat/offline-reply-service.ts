import type { Logger } from 'pino';
import type { ConversationRepository } from '../db/repositories/conversation-repository';
import type { MessageRepository } from '../db/repositories/message-repository';
import type { VisitorRepository } from '../db/repositories/visitor-repository';
import type { EventBus } from '../platform/events';
import type { MailQueue } from '../mail/mailer';
import { mailTemplates } from '../mail/templates';

export interface OfflineReplyDeps {
  bus: EventBus;
  visitors: VisitorRepository;
  conversations: ConversationRepository;
  messages: MessageRepository;
  mail: MailQueue;
  /** Whether any tab of this visitor is connected right now. */
  isVisitorOnline: (visitorId: number) => boolean;
  delayMs: number;
  publicUrl: string;
  log: Logger;
}

/**
 * Keeps the offline-mode promise "leave your e-mail, we'll reply": operator replies to a visitor who
 * left a contact address and is not connected go out by e-mail. Replies written within `delayMs` of
 * each other travel in one mail; a visitor who is back in the chat by then reads them there instead.
 */
export class OfflineReplyService {
  /** Per visitor: the first reply not yet seen or mailed, and the timer that will look again. */
  private readonly pending = new Map<number, { fromSeq: number; timer: NodeJS.Timeout }>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly d: OfflineReplyDeps) {}

  start(): void {
    this.unsubscribe ??= this.d.bus.on('message:created', ({ message, visitorId }) => {
      if (message.author !== 'operator' || this.pending.has(visitorId)) return;
      const timer = setTimeout(() => this.flush(visitorId), this.d.delayMs);
      timer.unref();
      this.pending.set(visitorId, { fromSeq: message.seq, timer });
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private flush(visitorId: number): void {
    const entry = this.pending.get(visitorId);
    this.pending.delete(visitorId);
    if (!entry || this.d.isVisitorOnline(visitorId)) return;
    const visitor = this.d.visitors.findById(visitorId);
    const conversation = this.d.conversations.byVisitor(visitorId);
    if (!visitor?.email || !conversation) return;
    const replies = this.d.messages
      .after(conversation.rowId, conversation.id, entry.fromSeq - 1, 50)
      .filter((m) => m.author === 'operator')
      .map((m) => ({ from: m.operatorName ?? 'Operator', text: m.text }));
    if (replies.length === 0) return;
    const lang = visitor.lang ?? 'en';
    this.d.mail.enqueue({
      to: visitor.email,
      ...mailTemplates.offlineReply(lang, replies, conversation.pageUrl ?? `${this.d.publicUrl}/`),
    });
    this.d.log.info({ conversationId: conversation.id, replies: replies.length }, 'offline reply mailed');
  }
}

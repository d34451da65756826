import { AppError } from '../../shared/errors';
import type { ConversationView, OperatorSendInput, VisitorSendInput } from '../../shared/schemas';
import type { ConversationDto, Lang, MessageDto } from '../../shared/types';
import type { Clock } from '../clock';
import { randomToken } from '../crypto';
import type { BatchWriter } from '../db/batch-writer';
import type { ConversationRepository, ConversationRow, VisitorContext } from '../db/repositories/conversation-repository';
import type { MessageRepository } from '../db/repositories/message-repository';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { EventBus } from '../events';
import { checkTimezone, cleanReferrer } from './visitor-context';
import { RateLimiter } from './rate-limiter';

const DEFAULT_PAGE = 50;

/** The system note a left contact e-mail becomes, in the visitor's language (both sides read it). */
const CONTACT_NOTE: Record<Lang, string> = { en: 'E-mail for a reply:', ru: 'Почта для ответа:' };

/** A visitor may send this many messages in a short window (someone typing fast)… */
export const MESSAGE_BURST = { limit: 10, windowMs: 10_000 };
/** …and this many in an hour (a long, busy chat, but not a bot at one a second). Resends do not count. */
export const MESSAGE_SUSTAINED = { limit: 200, windowMs: 60 * 60 * 1000 };
/** Typing notices forwarded per conversation and side. */
export const TYPING_LIMIT = { limit: 20, windowMs: 10_000 };

export function toConversationDto(row: ConversationRow): ConversationDto {
  const { rowId: _rowId, visitorId: _visitorId, ...dto } = row;
  return dto;
}

/**
 * Conversations and messages: who may write where, exactly-once storage by client id, sequence order.
 * Writes go through the batch writer, so a message is acknowledged only after its transaction commits.
 */
export class ChatService {
  private readonly burst: RateLimiter;
  private readonly sustained: RateLimiter;
  private readonly typingLimit: RateLimiter;

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly writer: BatchWriter,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    /** Per-visitor message limits; a site may change them (config `visitorMessageLimits`). */
    limits: { burst: typeof MESSAGE_BURST; sustained: typeof MESSAGE_SUSTAINED } = { burst: MESSAGE_BURST, sustained: MESSAGE_SUSTAINED },
  ) {
    this.burst = new RateLimiter(clock, limits.burst.limit, limits.burst.windowMs);
    this.sustained = new RateLimiter(clock, limits.sustained.limit, limits.sustained.windowMs);
    this.typingLimit = new RateLimiter(clock, TYPING_LIMIT.limit, TYPING_LIMIT.windowMs);
  }

  visitorConversation(visitorId: number): ConversationRow | null {
    return this.conversations.byVisitor(visitorId);
  }

  /** The visitor's messages after `afterSeq`, or the latest page when `afterSeq` is absent. */
  visitorHistory(visitorId: number, afterSeq: number | undefined, limit = DEFAULT_PAGE): { messages: MessageDto[]; lastSeq: number } {
    const conversation = this.conversations.byVisitor(visitorId);
    if (!conversation) {
      if (afterSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
      return { messages: [], lastSeq: 0 };
    }
    return { messages: this.page(conversation, afterSeq, limit), lastSeq: conversation.lastSeq };
  }

  async visitorSend(visitorId: number, input: VisitorSendInput, raw: VisitorContext | null): Promise<MessageDto> {
    const page = raw && cleanContext(raw);
    const outcome = await this.writer.write(() => {
      const now = this.clock.now();
      let conversation = this.conversations.byVisitor(visitorId);
      const existing = conversation && this.messages.byClientId(conversation.rowId, conversation.id, input.clientId);
      // A resend of a stored message is answered as before and costs nothing against the limits.
      if (!existing) this.countMessage(visitorId);
      if (!conversation) conversation = this.conversations.create(randomToken(12), visitorId, page, now);
      else if (page && pageChanged(conversation, page)) this.conversations.setPage(conversation.rowId, page);
      const message = { clientId: input.clientId, text: input.text, author: 'visitor' as const, operatorId: null, operatorName: null, now };
      return this.store(conversation, message, existing);
    });
    if (outcome.created) this.publish(outcome.message, outcome.conversation);
    return outcome.message;
  }

  /** A returning visitor's tab said hello from a page: operators see where they are now. */
  visitorSeen(visitorId: number, raw: VisitorContext): void {
    const conversation = this.conversations.byVisitor(visitorId);
    if (!conversation) return;
    const page = cleanContext(raw);
    if (!pageChanged(conversation, page)) return;
    this.conversations.setPage(conversation.rowId, page);
    this.changed(conversation.rowId);
  }

  async operatorSend(operator: OperatorRow, input: OperatorSendInput): Promise<MessageDto> {
    const outcome = await this.writer.write(() => {
      const now = this.clock.now();
      const conversation = this.requireConversation(input.conversationId);
      // Answering an unassigned conversation takes it, as in every shared inbox.
      if (conversation.assignedOperatorId === null) this.conversations.claim(conversation.rowId, operator.id, now);
      const existing = this.messages.byClientId(conversation.rowId, conversation.id, input.clientId);
      return this.store(conversation, { clientId: input.clientId, text: input.text, author: 'operator', operatorId: operator.id, operatorName: operator.name, now }, existing);
    });
    if (outcome.created) this.publish(outcome.message, outcome.conversation);
    return outcome.message;
  }

  list(view: ConversationView, operatorId: number): ConversationDto[] {
    return this.conversations.list(view, operatorId).map(toConversationDto);
  }

  /** The conversation and a page of its messages: after `afterSeq`, before `beforeSeq` (scrolling back), or the latest. */
  open(conversationId: string, afterSeq: number | undefined, limit = DEFAULT_PAGE, beforeSeq?: number): { conversation: ConversationDto; messages: MessageDto[] } {
    const conversation = this.requireConversation(conversationId);
    if (beforeSeq !== undefined) {
      if (afterSeq !== undefined) throw new AppError('invalid_payload', 'Ask for messages after or before a sequence, not both.');
      return { conversation: toConversationDto(conversation), messages: this.messages.before(conversation.rowId, conversation.id, beforeSeq, limit) };
    }
    return { conversation: toConversationDto(conversation), messages: this.page(conversation, afterSeq, limit) };
  }

  /** Exactly one of several simultaneous claims wins; the others get `conflict`. */
  claim(operator: OperatorRow, conversationId: string): ConversationDto {
    const conversation = this.requireConversation(conversationId);
    if (conversation.assignedOperatorId === operator.id) return toConversationDto(conversation);
    if (!this.conversations.claim(conversation.rowId, operator.id, this.clock.now())) {
      throw new AppError('conflict', `${conversation.assignedOperatorName ?? 'Another operator'} already took this conversation.`);
    }
    return this.changed(conversation.rowId);
  }

  setStatus(conversationId: string, status: 'open' | 'resolved'): ConversationDto {
    const conversation = this.requireConversation(conversationId);
    this.conversations.setStatus(conversation.rowId, status, this.clock.now());
    return this.changed(conversation.rowId);
  }

  /**
   * Records in the conversation (opening it if need be) that the visitor left an e-mail for a reply, so
   * the operator sees it in the thread and the visitor's other tabs see it too.
   */
  async contactNote(visitorId: number, email: string, lang: Lang | null): Promise<MessageDto> {
    // A note is a message the visitor caused: it counts against the same limits, or it would be a way round them.
    this.countMessage(visitorId);
    const outcome = await this.writer.write(() => {
      const now = this.clock.now();
      const conversation = this.conversations.byVisitor(visitorId) ?? this.conversations.create(randomToken(12), visitorId, null, now);
      const seq = this.conversations.nextSeq(conversation.rowId);
      const clientId = randomToken(12);
      const text = `${CONTACT_NOTE[lang ?? 'en']} ${email}`;
      this.messages.insert({ conversationRowId: conversation.rowId, seq, clientId, author: 'system', operatorId: null, text, at: now });
      return { message: this.messages.byClientId(conversation.rowId, conversation.id, clientId)!, conversation };
    });
    this.publish(outcome.message, outcome.conversation);
    return outcome.message;
  }

  typing(conversationId: string, from: 'visitor' | 'operator', typing: boolean, name: string | null): void {
    const conversation = this.requireConversation(conversationId);
    // Each typing event is pushed to every operator: past a generous rate (a widget sends two per pause)
    // the rest are dropped quietly, so one visitor cannot turn the console into a firehose.
    if (!this.typingLimit.hit(`${conversationId}:${from}`)) return;
    this.bus.emit('typing:changed', { conversationId, visitorId: conversation.visitorId, from, typing, name });
  }

  private countMessage(visitorId: number): void {
    const key = String(visitorId);
    // Both windows count every try, so hammering while limited keeps the visitor limited.
    const withinBurst = this.burst.hit(key);
    const withinHour = this.sustained.hit(key);
    if (!withinHour) {
      throw new AppError('rate_limited', 'You have sent a great many messages in the last hour. Please wait a while before sending more.', {
        retryAfterMs: this.sustained.retryAfterMs(key),
      });
    }
    if (!withinBurst) {
      throw new AppError('rate_limited', 'You are sending messages too quickly. Please wait a few seconds.', { retryAfterMs: this.burst.retryAfterMs(key) });
    }
  }

  private page(conversation: ConversationRow, afterSeq: number | undefined, limit: number): MessageDto[] {
    if (afterSeq === undefined) return this.messages.latest(conversation.rowId, conversation.id, limit);
    if (afterSeq > conversation.lastSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
    return this.messages.after(conversation.rowId, conversation.id, afterSeq, limit);
  }

  private store(
    conversation: ConversationRow,
    m: { clientId: string; text: string; author: 'visitor' | 'operator'; operatorId: number | null; operatorName: string | null; now: number },
    /** The message already stored under this client id in this conversation, if any (looked up by the caller). */
    existing: MessageDto | null,
  ): { message: MessageDto; created: boolean; conversation: ConversationRow } {
    if (existing) {
      // A resend: same answer as the first time. A different body under the same id is a client bug.
      if (existing.text !== m.text || existing.author !== m.author) {
        throw new AppError('conflict', 'This message id was already used for a different message.');
      }
      return { message: existing, created: false, conversation };
    }
    const seq = this.conversations.nextSeq(conversation.rowId);
    const id = this.messages.insert({ conversationRowId: conversation.rowId, seq, clientId: m.clientId, author: m.author, operatorId: m.operatorId, text: m.text, at: m.now });
    this.conversations.recordMessage(conversation.rowId, m.author, m.text, m.now);
    // Everything the stored row holds is known here; reading it back cost a query per message.
    const message: MessageDto = { id, seq, clientId: m.clientId, author: m.author, operatorName: m.operatorName, text: m.text, createdAt: m.now, conversationId: conversation.id };
    return { message, created: true, conversation };
  }

  /**
   * One event per stored message, with the conversation read now: a claim or assignment committed since the
   * write has already been pushed, so the state sent here is never older than one operators already hold.
   */
  private publish(message: MessageDto, conversation: ConversationRow): void {
    const current = this.conversations.byRowId(conversation.rowId) ?? conversation;
    this.bus.emit('message:created', { message, conversation: toConversationDto(current), visitorId: conversation.visitorId });
  }

  private changed(rowId: number): ConversationDto {
    const row = this.conversations.byRowId(rowId)!;
    const dto = toConversationDto(row);
    this.bus.emit('conversation:changed', { conversation: dto, visitorId: row.visitorId });
    return dto;
  }

  private requireConversation(conversationId: string): ConversationRow {
    const conversation = this.conversations.byPublicId(conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  }
}

/** Whether the visitor's page differs from what the conversation shows (only then is it written). */
function pageChanged(conversation: ConversationRow, page: VisitorContext): boolean {
  return conversation.pageUrl !== page.url || conversation.pageTitle !== page.title || Boolean(page.timezone && conversation.timezone !== page.timezone);
}

function cleanContext(raw: VisitorContext): VisitorContext {
  return { url: raw.url, title: raw.title, referrer: cleanReferrer(raw.referrer), timezone: checkTimezone(raw.timezone), device: raw.device ?? null };
}

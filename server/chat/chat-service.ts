import { AppError } from '../../shared/errors';
import type { ConversationView, OperatorSendInput, VisitorSendInput } from '../../shared/schemas';
import type { ConversationDto, Lang, MessageDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from '../console/console-writes';
import type { ConversationRow, VisitorContext } from '../db/repositories/conversation-repository';
import type { Stores } from '../db/store';
import { whenRead } from '../db/when-read';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { EventBus } from '../platform/events';
import type { ChatWrites, StoredMessage } from './chat-writes';
import { checkTimezone, cleanReferrer } from './visitor-context';
import { RateLimiter } from '../platform/rate-limiter';
import { toConversationDto } from './conversation-dto';

export { MESSAGE_BURST, MESSAGE_SUSTAINED } from './chat-writes';

const DEFAULT_PAGE = 50;

/** The system note a left contact e-mail becomes, in the visitor's language (both sides read it). */
const CONTACT_NOTE: Record<Lang, string> = { en: 'E-mail for a reply:', ru: 'Почта для ответа:' };

/** Typing notices forwarded per conversation and side. */
export const TYPING_LIMIT = { limit: 20, windowMs: 10_000 };

/**
 * Conversations and messages: who may write where, exactly-once storage by client id, sequence order.
 * Messages are written by the writer thread's procedures (chat-writes.ts), so a message is acknowledged
 * only after its transaction commits; reads and the pushes that follow happen here.
 */
export class ChatService {
  private readonly typingLimit: RateLimiter;

  constructor(
    private readonly conversations: Stores['conversations'],
    private readonly messages: Stores['messages'],
    private readonly writer: Writer<ChatWrites & ConsoleWrites>,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    /** The pre-chat form's rule: answered before the first message, when the admin asks for it. */
    private readonly firstMessage: { mustAnswerFirst(visitorId: number): boolean | Promise<boolean> },
  ) {
    // This node's own, also in a cluster: it keeps one socket from flooding the console with its typing
    // signals, which it sends through the node it is connected to; a shared count would cost a Redis round
    // trip per keystroke signal and protect nothing more.
    this.typingLimit = new RateLimiter(clock, TYPING_LIMIT.limit, TYPING_LIMIT.windowMs);
  }

  async visitorConversation(visitorId: number): Promise<ConversationRow | null> {
    return this.conversations.byVisitor(visitorId);
  }

  /** The visitor's messages after `afterSeq`, or the latest page when `afterSeq` is absent. */
  async visitorHistory(
    visitorId: number,
    afterSeq: number | undefined,
    limit = DEFAULT_PAGE,
  ): Promise<{ messages: MessageDto[]; lastSeq: number }> {
    const conversation = await this.conversations.byVisitor(visitorId);
    if (!conversation) {
      if (afterSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
      return { messages: [], lastSeq: 0 };
    }
    return { messages: await this.page(conversation, afterSeq, limit), lastSeq: conversation.lastSeq };
  }

  /** `origin`: the connection it came from, which learns of it from its acknowledgement rather than a push. */
  async visitorSend(visitorId: number, input: VisitorSendInput, raw: VisitorContext | null, origin?: string): Promise<MessageDto> {
    // The widget shows the form first; this keeps it so for any other client.
    if (await this.firstMessage.mustAnswerFirst(visitorId))
      throw new AppError('invalid_state', 'Please fill in the form before your first message.');
    const page = raw && cleanContext(raw);
    const stored = await this.writer.run('visitorMessage', {
      visitorId,
      clientId: input.clientId,
      text: input.text ?? '',
      attachmentId: input.attachmentId ?? null,
      page,
      now: this.clock.now(),
    });
    this.publish(stored, origin);
    return stored.message;
  }

  /** A returning visitor's tab said hello from a page: operators see where they are now. */
  async visitorSeen(visitorId: number, raw: VisitorContext): Promise<void> {
    // Most hellos are from visitors without a conversation (every new one): nothing to show, no write to ask for.
    if (!(await this.conversations.byVisitor(visitorId))) return;
    const changed = await this.writer.run('pageSeen', { visitorId, page: cleanContext(raw) });
    if (changed !== null) await this.changed(changed);
  }

  async operatorSend(operator: OperatorRow, input: OperatorSendInput): Promise<MessageDto> {
    const stored = await this.writer.run('operatorMessage', {
      operatorId: operator.id,
      operatorName: operator.name,
      conversationId: input.conversationId,
      clientId: input.clientId,
      text: input.text ?? '',
      attachmentId: input.attachmentId ?? null,
      now: this.clock.now(),
    });
    this.publish(stored);
    return stored.message;
  }

  async list(view: ConversationView, operatorId: number): Promise<ConversationDto[]> {
    return (await this.conversations.list(view, operatorId)).map(toConversationDto);
  }

  /** The conversation and a page of its messages: after `afterSeq`, before `beforeSeq` (scrolling back), or the latest. */
  async open(
    conversationId: string,
    afterSeq: number | undefined,
    limit = DEFAULT_PAGE,
    beforeSeq?: number,
  ): Promise<{ conversation: ConversationDto; messages: MessageDto[] }> {
    const conversation = await this.requireConversation(conversationId);
    if (beforeSeq !== undefined) {
      if (afterSeq !== undefined) throw new AppError('invalid_payload', 'Ask for messages after or before a sequence, not both.');
      return {
        conversation: toConversationDto(conversation),
        messages: await this.messages.before(conversation.rowId, conversation.id, beforeSeq, limit),
      };
    }
    return { conversation: toConversationDto(conversation), messages: await this.page(conversation, afterSeq, limit) };
  }

  /** Exactly one of several simultaneous claims wins; the others get `conflict`. */
  async claim(operator: OperatorRow, conversationId: string): Promise<ConversationDto> {
    const { rowId, changed } = await this.writer.run('conversationClaim', {
      operatorId: operator.id,
      conversationId,
      now: this.clock.now(),
    });
    return changed ? this.changed(rowId) : toConversationDto((await this.conversations.byRowId(rowId))!);
  }

  async setStatus(conversationId: string, status: 'open' | 'resolved'): Promise<ConversationDto> {
    const rowId = await this.writer.run('conversationStatus', { conversationId, status, now: this.clock.now() });
    // One read for both pushes, made in the write's continuation (see whenRead).
    return whenRead(this.conversations.byRowId(rowId), (row) => {
      const dto = this.announce(row!);
      // The visitor hears of it too: a resolved conversation asks for a rating.
      this.bus.emit('conversation:status', { conversation: dto, visitorId: row!.visitorId });
      return dto;
    });
  }

  /**
   * Records in the conversation (opening it if need be) that the visitor left an e-mail for a reply, so
   * the operator sees it in the thread and the visitor's other tabs see it too.
   */
  async contactNote(visitorId: number, email: string, lang: Lang | null): Promise<MessageDto> {
    const stored = await this.writer.run('contactNote', {
      visitorId,
      text: `${CONTACT_NOTE[lang ?? 'en']} ${email}`,
      now: this.clock.now(),
    });
    this.publish(stored);
    return stored.message;
  }

  async typing(conversationId: string, from: 'visitor' | 'operator', typing: boolean, name: string | null): Promise<void> {
    const conversation = await this.requireConversation(conversationId);
    // Each typing event is pushed to every operator: past a generous rate (a widget sends two per pause)
    // the rest are dropped quietly, so one visitor cannot turn the console into a firehose.
    if (!this.typingLimit.hit(`${conversationId}:${from}`)) return;
    this.bus.emit('typing:changed', { conversationId, visitorId: conversation.visitorId, from, typing, name });
  }

  private async page(conversation: ConversationRow, afterSeq: number | undefined, limit: number): Promise<MessageDto[]> {
    if (afterSeq === undefined) return this.messages.latest(conversation.rowId, conversation.id, limit);
    if (afterSeq > conversation.lastSeq) throw new AppError('invalid_payload', 'That sequence number is from the future.');
    return this.messages.after(conversation.rowId, conversation.id, afterSeq, limit);
  }

  /**
   * One event per stored message, with the conversation as the message's write left it. Writes finish in
   * the order they committed and each is published as it finishes, so a claim or assignment committed
   * after this message is pushed after it, and the state sent here is never older than one operators hold.
   */
  publish(stored: StoredMessage, origin?: string): void {
    // A resend was announced when it was first stored.
    if (!stored.created) return;
    this.bus.emit('message:created', {
      message: stored.message,
      conversation: stored.conversation,
      visitorId: stored.visitorId,
      origin,
    });
  }

  /** Pushed in the continuation of the write (see whenRead): a message committed after it is pushed after it. */
  private changed(rowId: number): ConversationDto | Promise<ConversationDto> {
    return whenRead(this.conversations.byRowId(rowId), (row) => this.announce(row!));
  }

  private announce(row: ConversationRow): ConversationDto {
    const dto = toConversationDto(row);
    this.bus.emit('conversation:changed', { conversation: dto, visitorId: row.visitorId });
    return dto;
  }

  private async requireConversation(conversationId: string): Promise<ConversationRow> {
    const conversation = await this.conversations.byPublicId(conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation.');
    return conversation;
  }
}

/** Each connection's page, cleaned once: the namespace passes the same object with every message of that tab. */
const cleaned = new WeakMap<VisitorContext, VisitorContext>();

function cleanContext(raw: VisitorContext): VisitorContext {
  let page = cleaned.get(raw);
  if (!page) {
    page = {
      url: raw.url,
      title: raw.title,
      referrer: cleanReferrer(raw.referrer),
      timezone: checkTimezone(raw.timezone),
      device: raw.device ?? null,
    };
    cleaned.set(raw, page);
  }
  return page;
}

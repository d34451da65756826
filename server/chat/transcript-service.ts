import type { Logger } from 'pino';
import { AppError } from '../../shared/errors';
import type { TranscriptResult } from '../../shared/protocol';
import type { TranscriptRequestInput } from '../../shared/schemas';
import type { Lang } from '../../shared/types';
import type { WidgetSettingsService } from '../console/widget-settings-service';
import type { ConversationRow } from '../db/repositories/conversation-repository';
import type { Stores } from '../db/store';
import type { MailQueue } from '../mail/mailer';
import { mailTemplates, type TranscriptLine } from '../mail/templates';
import type { Clock } from '../platform/clock';
import type { EventBus } from '../platform/events';
import type { RateLimit, RateLimits } from '../platform/rate-limiter';
import type { Writer } from '../writer/group-commit';
import type { ChatService } from './chat-service';
import type { TranscriptWrites } from './transcript-writes';
import type { VisitorService } from './visitor-service';

/** Transcripts one visitor may have mailed per hour, and one network (IP address) per hour. */
export const TRANSCRIPT_LIMITS = { perVisitor: 3, perIp: 10, windowMs: 60 * 60 * 1000 };

/** The system line a transcript sent becomes, in the visitor's language (no address in it). */
const SENT_LINE: Record<Lang, string> = {
  en: 'The transcript of this conversation was sent by e-mail.',
  ru: 'Запись этого разговора отправлена по почте.',
};

export interface TranscriptDeps {
  conversations: Stores['conversations'];
  messages: Stores['messages'];
  visitors: Stores['visitors'];
  transcripts: Stores['transcripts'];
  visitorService: VisitorService;
  chat: ChatService;
  widget: WidgetSettingsService;
  writer: Writer<TranscriptWrites>;
  mail: MailQueue;
  bus: EventBus;
  clock: Clock;
  /** Where the per-visitor and per-network counts live (shared across nodes with Redis). */
  limits: RateLimits;
  publicUrl: string;
  log: Logger;
}

/**
 * E-mailed transcripts: on the visitor's request (rate-limited per visitor and per network), or when the
 * conversation is resolved if they asked for that. Each one sent is recorded in the conversation, which
 * operators see in the console. The address is never logged; one given only for a mail now is not stored.
 */
export class TranscriptService {
  private readonly perVisitor: RateLimit;
  private readonly perIp: RateLimit;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly d: TranscriptDeps) {
    this.perVisitor = d.limits({ name: 'transcript-visitor', limit: TRANSCRIPT_LIMITS.perVisitor, windowMs: TRANSCRIPT_LIMITS.windowMs });
    this.perIp = d.limits({ name: 'transcript-ip', limit: TRANSCRIPT_LIMITS.perIp, windowMs: TRANSCRIPT_LIMITS.windowMs });
  }

  /** Mails the transcript when an operator resolves a conversation whose visitor asked for that. */
  start(): void {
    this.unsubscribe ??= this.d.bus.on('conversation:status', ({ conversation, visitorId }) => {
      if (conversation.status !== 'resolved') return;
      this.sendWished(conversation.id, visitorId).catch((error: unknown) =>
        this.d.log.error({ err: error, conversationId: conversation.id }, 'transcript on resolve failed'),
      );
    });
  }

  private async sendWished(conversationId: string, visitorId: number): Promise<void> {
    const row = await this.d.conversations.byPublicId(conversationId);
    const lang = row && (await this.d.transcripts.wishFor(row.rowId));
    const email = lang && (await this.d.visitors.findById(visitorId))?.email;
    if (!row || !lang || !email) return;
    await this.send(row, email, lang, true);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  async request(visitorId: number, input: TranscriptRequestInput, lang: Lang, ip: string): Promise<TranscriptResult> {
    const conversation = await this.d.conversations.byPublicId(input.conversationId);
    if (!conversation || conversation.visitorId !== visitorId) throw new AppError('not_found', 'No such conversation.');
    const visitor = await this.d.visitors.findById(visitorId);
    if (!visitor) throw new AppError('unauthorized', 'Say hello first.');
    if (input.onResolve && conversation.status !== 'resolved') {
      if (input.email && input.email !== visitor.email) {
        // An address for later is kept as the visitor's contact address (erasure, export and retention reach it).
        await this.d.visitorService.leaveContact(visitorId, { email: input.email });
        await this.d.chat.contactNote(visitorId, input.email, lang);
      } else if (!visitor.email) {
        throw new AppError('invalid_payload', 'Give the e-mail address to send the transcript to.');
      }
      await this.d.writer.run('transcriptWish', { visitorId, conversationId: conversation.id, lang, now: this.d.clock.now() });
      return { sent: false, onResolve: true };
    }
    const to = input.email ?? visitor.email;
    if (!to) throw new AppError('invalid_payload', 'Give the e-mail address to send the transcript to.');
    if (conversation.lastSeq === 0) throw new AppError('invalid_state', 'There is nothing in this conversation to send yet.');
    const visitorOk = await this.perVisitor.hit(String(visitorId));
    // A visitor over their own limit does not use up their network's.
    if (!visitorOk || !(await this.perIp.hit(ip))) {
      const [visitorWait, ipWait] = await Promise.all([
        this.perVisitor.retryAfterMs(String(visitorId)),
        visitorOk ? this.perIp.retryAfterMs(ip) : 0,
      ]);
      throw new AppError('rate_limited', 'Too many transcripts asked for. Please try again later.', {
        retryAfterMs: Math.max(visitorWait, ipWait),
      });
    }
    await this.send(conversation, to, lang, false);
    return { sent: true, onResolve: false };
  }

  private async send(conversation: ConversationRow, to: string, lang: Lang, fromWish: boolean): Promise<void> {
    const messages = await this.d.messages.all(conversation.rowId, conversation.id);
    if (messages.length === 0) return;
    const lines: TranscriptLine[] = messages.map((m) => ({
      author: m.author,
      operatorName: m.operatorName,
      text: m.text,
      at: m.createdAt,
      // A file is named in the mail, not attached to it.
      attachments: m.attachment ? [m.attachment.name] : [],
    }));
    const mail = mailTemplates.transcript(lang, {
      lines,
      startedAt: messages[0].createdAt,
      zone: conversation.timezone ?? this.d.widget.settings().timezone,
      siteUrl: originOf(conversation.pageUrl) ?? this.d.publicUrl,
    });
    const stored = await this.d.writer.run('transcriptSent', {
      visitorId: conversation.visitorId,
      conversationId: conversation.id,
      text: SENT_LINE[lang],
      fromWish,
      now: this.d.clock.now(),
    });
    if (!stored) return;
    this.d.mail.enqueue({ to, ...mail });
    this.d.log.info({ conversationId: conversation.id, lines: lines.length, onResolve: fromWish }, 'transcript mailed');
    this.d.chat.publish(stored);
  }
}

/** The site a page address is on; null for none (or one that does not parse). */
function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

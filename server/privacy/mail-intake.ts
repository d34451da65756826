import { simpleParser, type ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { emailSchema } from '../../shared/schemas';
import { abuseKey } from '../platform/ip';
import type { RateLimit, RateLimits } from '../platform/rate-limiter';
import { classifyRequest, languageOf, ownWords } from './mail-words';
import type { IgnoredReason, InboundMail, MailOutcome } from './request-mail';

/** The requester's words kept of one mail, and of its subject. */
export const MAX_MAIL_TEXT = 4000;
export const MAX_MAIL_SUBJECT = 200;
/**
 * Mails one sender may send the privacy address in an hour (new requests and replies alike), as many as
 * verification links one address may be sent; more are refused for now (SMTP 451, HTTP 429) and the
 * sending server tries again later.
 */
export const MAILS_PER_SENDER_PER_HOUR = 3;
/** Mails one network may hand the SMTP listener in an hour (a forwarding server counts as one network). */
export const MAILS_PER_NETWORK_PER_HOUR = 60;
const HOUR = 60 * 60 * 1000;

/** Where one inbound mail came from: the listener (with its envelope and client) or a provider's webhook. */
export interface MailArrival {
  via: 'smtp' | 'webhook';
  /** The envelope sender (MAIL FROM); '' for a bounce's null return path; undefined when not known (webhook). */
  envelopeFrom?: string;
  /** The connecting client's address, for the per-network limit; null when there is none to count (webhook). */
  ip: string | null;
}

/**
 * The main thread's half of requests by e-mail: parses a mail (mailparser), screens out what is no
 * request (no valid sender, our own address, auto-replies and bounces), keeps only its text, bounded,
 * counts the sender's and the network's limits, reads its type and language, and hands it to the writer
 * thread (PrivacyDesk.receiveMail), which files it or threads it onto the request it answers. Logs the
 * outcome only: never an address, a subject or a body.
 */
export class MailIntake {
  private readonly perSender: RateLimit;
  private readonly perNetwork: RateLimit;

  constructor(
    private readonly d: {
      file: (mail: InboundMail) => Promise<{ outcome: 'filed' | 'threaded'; requestId: number; reference: string }>;
      /** Where the per-sender and per-network counts live (shared across nodes with Redis: mail may reach any node). */
      limits: RateLimits;
      log: Logger;
      /** Our own addresses: mail from them is never a request (a loop). */
      ownAddresses: readonly string[];
      maxBytes: number;
    },
  ) {
    this.perSender = d.limits({ name: 'mail-sender', limit: MAILS_PER_SENDER_PER_HOUR, windowMs: HOUR });
    this.perNetwork = d.limits({ name: 'mail-network', limit: MAILS_PER_NETWORK_PER_HOUR, windowMs: HOUR });
  }

  get maxBytes(): number {
    return this.d.maxBytes;
  }

  /** Takes one raw MIME mail; resolves with what became of it (never rejects for a bad mail). */
  async receive(raw: Buffer, arrival: MailArrival): Promise<MailOutcome> {
    const outcome = await this.decide(raw, arrival);
    this.d.log.info(
      { via: arrival.via, outcome: outcome.outcome, ...('reason' in outcome ? { reason: outcome.reason } : {}) },
      'inbound mail',
    );
    return outcome;
  }

  private async decide(raw: Buffer, arrival: MailArrival): Promise<MailOutcome> {
    if (raw.length > this.d.maxBytes) return { outcome: 'too_large' };
    if (arrival.ip !== null && !(await this.perNetwork.hit(abuseKey(arrival.ip)))) return { outcome: 'limited' };
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    } catch {
      return { outcome: 'ignored', reason: 'unreadable' };
    }
    const screened = this.screen(parsed, arrival);
    if (typeof screened === 'string') return { outcome: 'ignored', reason: screened };
    if (!(await this.perSender.hit(screened.from))) return { outcome: 'limited' };
    try {
      return await this.d.file(screened);
    } catch (error) {
      // The address had its verification mails for the hour (the chat's count too): later, as above.
      if (error instanceof AppError && error.code === 'rate_limited') return { outcome: 'limited' };
      throw error;
    }
  }

  /** The mail as the intake keeps it, or why it is no request. */
  private screen(parsed: ParsedMail, arrival: MailArrival): InboundMail | IgnoredReason {
    const header = (name: string): string | null => {
      const line = parsed.headerLines.find((h) => h.key === name)?.line;
      return line === undefined ? null : line.slice(line.indexOf(':') + 1).trim();
    };
    const returnPath = arrival.envelopeFrom ?? header('return-path')?.replace(/^<|>$/g, '');
    if (returnPath === '' || /^mailer-daemon@/i.test(returnPath ?? '')) return 'bounce';
    const contentType = parsed.headers.get('content-type') as { value?: string } | undefined;
    if (contentType?.value?.toLowerCase() === 'multipart/report') return 'bounce';
    const autoSubmitted = header('auto-submitted')?.split(';')[0].trim().toLowerCase();
    if (autoSubmitted && autoSubmitted !== 'no') return 'auto_reply';
    const precedence = header('precedence')?.toLowerCase();
    if (precedence && ['bulk', 'auto_reply', 'junk', 'list'].includes(precedence)) return 'auto_reply';
    if (header('x-autoreply') || header('x-autorespond') || header('x-auto-response-suppress')?.toLowerCase() === 'all')
      return 'auto_reply';

    const senders = parsed.from?.value ?? [];
    const address = v.safeParse(emailSchema, senders[0]?.address ?? '');
    // One sender, with a real address: a mail from nobody (or from a group) has no one to answer.
    if (senders.length !== 1 || !address.success) return 'no_sender';
    const from = address.output;
    if (/^mailer-daemon@/i.test(from)) return 'bounce';
    if (this.d.ownAddresses.includes(from)) return 'own_address';

    const subject = (parsed.subject ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_MAIL_SUBJECT);
    const text = ownWords(parsed.text ?? '').slice(0, MAX_MAIL_TEXT);
    const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
    const name = senders[0].name?.trim().slice(0, 200) || null;
    return {
      from,
      name,
      subject,
      text,
      messageId: parsed.messageId?.slice(0, 998) ?? null,
      answers: [...(parsed.inReplyTo ? [parsed.inReplyTo] : []), ...references.reverse()].slice(0, 50),
      lang: languageOf(subject, text),
      type: classifyRequest(subject, text),
    };
  }
}

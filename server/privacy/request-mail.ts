import { REFERENCE_PATTERN, type RequestKind } from '../../shared/privacy';
import type { Lang, PrivacyMessageDto } from '../../shared/types';
import type { PrivacyMessageRow } from '../db/repositories/privacy-message-repository';
import { randomToken } from '../platform/crypto';

/**
 * A mail to the privacy address as the intake keeps it (the main thread parses and screens the MIME,
 * server/privacy/mail-intake.ts; the writer thread files or threads it): plain data, text only, bounded.
 */
export interface InboundMail {
  /** The sender's address (the From header), lower-cased: the requester. */
  from: string;
  /** The sender's display name, if any. */
  name: string | null;
  subject: string;
  text: string;
  /** Its own Message-ID, for our answer's In-Reply-To. */
  messageId: string | null;
  /** The Message-IDs it answers (In-Reply-To, then References), newest first. */
  answers: string[];
  /** The language we write back in, from the mail's script. */
  lang: Lang;
  /** The right its words ask for; null when they did not say (needs triage). */
  type: RequestKind;
}

/** What became of one inbound mail. */
export type MailOutcome =
  | { outcome: 'filed'; requestId: number; reference: string }
  | { outcome: 'threaded'; requestId: number; reference: string }
  | { outcome: 'ignored'; reason: IgnoredReason }
  | { outcome: 'limited' }
  | { outcome: 'too_large' };

export type IgnoredReason = 'no_sender' | 'own_address' | 'auto_reply' | 'bounce' | 'unreadable';

/** `<PR-2026-000123.<random>@<domain>>`: a Message-ID of ours that names the request a mail is about. */
export function requestMessageId(reference: string, domain: string): string {
  return `<${reference}.${randomToken(12)}@${domain}>`;
}

/**
 * The request references a mail names, most telling first: those in Message-IDs of ours it answers (only
 * our own domain's, in the form requestMessageId makes), then one in its subject.
 */
export function referencesIn(mail: Pick<InboundMail, 'answers' | 'subject'>, domain: string): string[] {
  const found: string[] = [];
  const ours = /^<?(PR-\d{4}-\d{6,})\.[A-Za-z0-9_-]+@([^>\s]+)>?$/;
  for (const id of mail.answers) {
    const match = ours.exec(id.trim());
    if (match && match[2].toLowerCase() === domain.toLowerCase()) found.push(match[1]);
  }
  const inSubject = REFERENCE_PATTERN.exec(mail.subject);
  if (inSubject) found.push(inSubject[0]);
  return [...new Set(found)];
}

export function toPrivacyMessageDto(row: PrivacyMessageRow): PrivacyMessageDto {
  return {
    id: row.id,
    direction: row.direction,
    kind: row.kind,
    operatorName: row.direction === 'out' ? row.operatorName : null,
    subject: row.subject,
    text: row.body,
    createdAt: row.createdAt,
  };
}

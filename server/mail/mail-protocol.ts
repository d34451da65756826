/** What the main thread and the mail thread (mail/mail-thread.ts) say to each other, and a mail. */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /**
   * Our Message-ID, `<PR-2026-000123.<random>@<our domain>>` for a mail about a request: a reply's
   * In-Reply-To / References name it, and the inbound mail finds its request by it.
   */
  messageId?: string;
  /** The requester's mail this one answers. */
  inReplyTo?: string;
  /**
   * RFC 3834: `auto-generated` for the mails the system sends by itself (codes, links, notices), so that
   * well-behaved auto-responders do not answer them; an operator's own mail is `no`.
   */
  autoSubmitted?: 'auto-generated' | 'no';
}

export interface MailThreadData {
  url: string;
  from: string;
}

/** main → mail thread */
export type ToMailThread = { type: 'send'; id: number; mail: OutgoingMail } | { type: 'close' };
/** mail thread → main: how one send ended */
export type FromMailThread = { type: 'sent'; id: number } | { type: 'failed'; id: number; code: string };

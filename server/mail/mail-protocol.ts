/** What the main thread and the mail thread (mail/mail-thread.ts) say to each other, and a mail. */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export interface MailThreadData {
  url: string;
  from: string;
}

/** main → mail thread */
export type ToMailThread = { type: 'send'; id: number; mail: OutgoingMail } | { type: 'close' };
/** mail thread → main: how one send ended */
export type FromMailThread = { type: 'sent'; id: number } | { type: 'failed'; id: number; code: string };

import type { OutgoingMail } from '../mail/mailer';
import type { ErasedChats } from './request-execution';
import type { ErasureEntry } from './erasure-journal';

/**
 * What a change to a request causes outside the database, as plain data: the service runs in the writer
 * thread (privacy-writes.ts), and only the main thread sends mail, pushes to sockets and delivers webhooks
 * (PrivacyDesk, once the change has committed).
 */
export type PrivacyEffect =
  | { kind: 'mail'; mail: OutgoingMail }
  /** Pushed as it is when the push goes out, not as it was then: a later change must not be overtaken. */
  | { kind: 'changed'; requestId: number }
  /** Webhook deliveries were queued: send them now rather than at the next timer tick. */
  | { kind: 'webhooks' }
  /** An erasure completed: it goes into the journal that outlives a restore (erasure-journal.ts). */
  | { kind: 'journal'; entry: ErasureEntry }
  /** Data systems were asked about a request: deliver their webhooks now. */
  | { kind: 'systems' }
  /** An erasure removed these chats: screens showing them must drop them. */
  | ({ kind: 'erased' } & ErasedChats);

import type { Logger } from 'pino';
import type { Clock } from '../platform/clock';
import type { Stores } from '../db/store';
import { whenRead } from '../db/when-read';
import type { EventBus } from '../platform/events';
import type { MailQueue } from '../mail/mailer';
import { mailTemplates } from '../mail/templates';
import type { Writer } from '../writer/group-commit';
import type { OfflineReplyWrites } from './offline-reply-writes';

export interface OfflineReplyDeps {
  bus: EventBus;
  visitors: Stores['visitors'];
  conversations: Stores['conversations'];
  messages: Stores['messages'];
  replies: Stores['offlineReplies'];
  writer: Writer<OfflineReplyWrites>;
  mail: MailQueue;
  /** Whether any tab of this visitor is connected right now (to any node of a cluster). */
  isVisitorOnline: (visitorId: number) => boolean | Promise<boolean>;
  delayMs: number;
  clock: Clock;
  publicUrl: string;
  log: Logger;
}

/** A mail that could not be sent (or a wait whose end could not be stored) is tried again this much later, this many times in all. */
const RETRY_MS = 5 * 60 * 1000;
const MAX_ATTEMPTS = 12;
/**
 * A claimed wait is this node's for this long (its row's due time moves there): enough to compose and send
 * the mail; a node that dies holding it leaves it to another node once it has passed.
 */
const CLAIM_LEASE_MS = 10 * 60 * 1000;
/** How often every node looks for waits it has no timer for (another node's, that died), at most and at least. */
const RESCAN_MIN_MS = 1_000;
const RESCAN_MAX_MS = 60_000;

/** One visitor's wait: from which reply, its timer, whether its mail is on its way, and its row's due time. */
interface Wait {
  fromSeq: number;
  attempts: number;
  timer: NodeJS.Timeout | null;
  sending: boolean;
  /** What the row says now: a claim succeeds only for the one whose row still says this. */
  dueAt: number;
}

/**
 * Keeps the offline-mode promise "leave your e-mail, we'll reply": operator replies to a visitor who
 * left a contact address and is not connected go out by e-mail. Replies written within `delayMs` of
 * each other travel in one mail; a visitor who is back in the chat by then reads them there instead.
 * Each wait is a row (offline_replies), stored by the reply's own write, so a restart or a crash does
 * not lose the mail: the next start sends what was due. The wait ends only once the mail went (it is
 * tried again if it could not be sent), in a write that also starts the next wait for any reply the
 * mail did not carry. Times are the app's clock, as the row's are.
 */
export class OfflineReplyService {
  private readonly waits = new Map<number, Wait>();
  /** Visitors whose wait is being looked up (a store that answers later): a second reply does not start another. */
  private readonly looking = new Set<number>();
  private unsubscribe: (() => void) | null = null;
  private rescan: NodeJS.Timeout | null = null;

  constructor(private readonly d: OfflineReplyDeps) {}

  async start(): Promise<void> {
    // Subscribed before the waits are read, so none stored meanwhile is missed; the read skips those it started.
    this.unsubscribe ??= this.d.bus.on('message:created', ({ message, visitorId }) => {
      // A reply during a wait joins its mail, or, if that mail is on its way without it, the wait that
      // its end starts (offlineReplyDone): nothing to time here.
      if (message.author !== 'operator' || this.waits.has(visitorId) || this.looking.has(visitorId)) return;
      // The reply's write stored its wait when the visitor had left an address (chat-writes.ts):
      // nothing is written for anyone else. Looked up within this event where the store answers at once.
      this.looking.add(visitorId);
      const scheduled = whenRead(this.d.replies.of(visitorId), (row) => {
        this.looking.delete(visitorId);
        if (row && !this.waits.has(visitorId)) this.schedule(visitorId, this.newWait(row.fromSeq, row.attempts), row.dueAt);
      });
      if (scheduled instanceof Promise)
        scheduled.catch((error: unknown) => {
          this.looking.delete(visitorId);
          this.d.log.error({ err: error, visitorId }, 'offline reply: looking up the wait failed');
        });
    });
    // Waits a stop or a crash interrupted: each goes when it was due, at once if that time has passed.
    await this.adoptWaits();
    // And again now and then: in a cluster a wait started on a node that has since died has no timer
    // anywhere else. Every node that holds one claims it before mailing, so it goes out once.
    const every = Math.min(RESCAN_MAX_MS, Math.max(RESCAN_MIN_MS, Math.floor(this.d.delayMs / 2)));
    this.rescan ??= setInterval(() => {
      this.adoptWaits().catch((error: unknown) => this.d.log.error({ err: error }, 'offline reply: reading the waits failed'));
    }, every);
    this.rescan.unref();
  }

  /** Gives every stored wait without a timer here one. */
  private async adoptWaits(): Promise<void> {
    for (const row of await this.d.replies.all()) {
      if (!this.waits.has(row.visitorId)) this.schedule(row.visitorId, this.newWait(row.fromSeq, row.attempts), row.dueAt);
    }
  }

  /** Stops the timers; the waits stay in the database for the next start. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.rescan) clearInterval(this.rescan);
    this.rescan = null;
    for (const wait of this.waits.values()) if (wait.timer) clearTimeout(wait.timer);
    this.waits.clear();
  }

  private newWait(fromSeq: number, attempts = 0): Wait {
    return { fromSeq, attempts, timer: null, sending: false, dueAt: 0 };
  }

  /** Times the wait for `at`; `rowDueAt` is what its row says (the same, but after a claim: the lease's end). */
  private schedule(visitorId: number, wait: Wait, at: number, rowDueAt = at): void {
    this.waits.set(visitorId, wait);
    wait.sending = false;
    wait.dueAt = rowDueAt;
    wait.timer = setTimeout(() => void this.flush(visitorId, wait), Math.max(0, at - this.d.clock.now()));
    wait.timer.unref();
  }

  private async flush(visitorId: number, wait: Wait): Promise<void> {
    wait.timer = null;
    wait.sending = true;
    try {
      // This node's to send, or another's (a cluster) or over: then nothing to do here.
      const until = this.d.clock.now() + CLAIM_LEASE_MS;
      if (!(await this.d.writer.run('offlineReplyClaim', { visitorId, fromSeq: wait.fromSeq, dueAt: wait.dueAt, until }))) {
        if (this.waits.get(visitorId) === wait) this.waits.delete(visitorId);
        return;
      }
      wait.dueAt = until;
      // Everything up to here is decided now: mailed, or read in the chat. A later reply is the next wait's.
      const upToSeq = (await this.d.conversations.byVisitor(visitorId))?.lastSeq ?? wait.fromSeq;
      // A cluster asks every node; a single node answers at once, within this turn.
      const asked = this.d.isVisitorOnline(visitorId);
      const mail = (typeof asked === 'boolean' ? asked : await asked) ? null : await this.compose(visitorId, wait.fromSeq, upToSeq);
      if (mail) {
        if (!(await this.d.mail.enqueue(mail.mail))) {
          if (wait.attempts + 1 < MAX_ATTEMPTS) {
            const dueAt = this.d.clock.now() + RETRY_MS;
            await this.d.writer.run('offlineReplyRetry', { visitorId, fromSeq: wait.fromSeq, dueAt });
            wait.attempts++;
            // The retry's mail is written afresh and carries the replies that came meanwhile.
            if (this.waits.get(visitorId) === wait) this.schedule(visitorId, wait, dueAt);
            return;
          }
          this.d.log.error(
            { conversationId: mail.conversationId, attempts: MAX_ATTEMPTS },
            'offline reply: given up, the mail could not be sent',
          );
        } else this.d.log.info({ conversationId: mail.conversationId, replies: mail.replies }, 'offline reply mailed');
      }
      const next = await this.d.writer.run('offlineReplyDone', {
        visitorId,
        fromSeq: wait.fromSeq,
        upToSeq,
        nextDueAt: this.d.clock.now() + this.d.delayMs,
      });
      if (this.waits.get(visitorId) !== wait) return;
      this.waits.delete(visitorId);
      if (next) this.schedule(visitorId, this.newWait(next.fromSeq), next.dueAt);
    } catch (error) {
      this.d.log.error({ err: error, visitorId }, 'offline reply: failed, tried again later');
      // The row is still there: tried again later (a mail that went is then sent once more, rather than never).
      // Its row still says the lease's end (the claim's): the retry claims against that.
      if (this.waits.get(visitorId) === wait) this.schedule(visitorId, wait, this.d.clock.now() + RETRY_MS, wait.dueAt);
    }
  }

  /** The mail of the replies from `fromSeq` to `upToSeq`, or null when there is no one to send it to or nothing to say. */
  private async compose(visitorId: number, fromSeq: number, upToSeq: number) {
    const visitor = await this.d.visitors.findById(visitorId);
    const conversation = await this.d.conversations.byVisitor(visitorId);
    if (!visitor?.email || !conversation) return null;
    const replies = (await this.d.messages.after(conversation.rowId, conversation.id, fromSeq - 1, 50))
      .filter((m) => m.author === 'operator' && m.seq <= upToSeq)
      .map((m) => ({ from: m.operatorName ?? 'Operator', text: m.text }));
    if (replies.length === 0) return null;
    const lang = visitor.lang ?? 'en';
    return {
      conversationId: conversation.id,
      replies: replies.length,
      mail: { to: visitor.email, ...mailTemplates.offlineReply(lang, replies, conversation.pageUrl ?? `${this.d.publicUrl}/`) },
    };
  }
}

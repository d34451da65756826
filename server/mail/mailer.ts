import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Clock } from '../platform/clock';
import type { Writer } from '../writer/group-commit';
import type { MailWrites } from './mail-writes';
import type { FromMailThread, MailThreadData, OutgoingMail, ToMailThread } from './mail-protocol';
import { threadSpawner } from '../platform/threads';

export type { OutgoingMail };

/** Where mail goes: SMTP in production, the dev outbox on a developer's machine. */
export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** The code of a send refused because the mailer was closed (shutdown): not worth a retry. */
export const CLOSED = 'EMAILERCLOSED';

/**
 * SMTP, sent from a worker thread (mail/mail-thread.ts) started with the first mail: the main thread
 * only posts the mail and hears how it went. A thread that stops fails the sends it had (the queue
 * retries them) and the next send starts another.
 */
export function createSmtpMailer(url: string, from: string, log: Logger): Mailer {
  const spawn = threadSpawner('mail/mail-thread', { url, from } satisfies MailThreadData);
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let worker: Worker | null = null;
  let nextId = 1;
  let closed = false;

  const failed = (code: string) => Object.assign(new Error('mail delivery failed'), { code });
  const thread = (): Worker => {
    if (worker) return worker;
    const started = spawn();
    started.on('message', (message: FromMailThread) => {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.type === 'sent') waiter.resolve();
      else waiter.reject(failed(message.code));
      // Only mail still to send keeps the process alive (a shutdown waits for it); an idle pool does not.
      if (pending.size === 0) started.unref();
    });
    // An uncaught error in the thread ends it; the exit below fails what it had. Name and code only: the
    // message can quote the SMTP URL, credentials and all.
    started.on('error', (error: Error & { code?: string }) => log.error({ name: error.name, code: error.code }, 'mail thread failed'));
    started.on('exit', () => {
      if (worker === started) worker = null;
      for (const waiter of pending.values()) waiter.reject(failed('ETHREADEXIT'));
      pending.clear();
    });
    worker = started;
    return started;
  };

  return {
    kind: 'smtp',
    send(mail) {
      // After close no thread is started again: the queue gives up on this mail instead of retrying.
      if (closed) return Promise.reject(failed(CLOSED));
      return new Promise<void>((resolve, reject) => {
        const id = nextId++;
        const target = thread();
        if (pending.size === 0) target.ref();
        pending.set(id, { resolve, reject });
        target.postMessage({ type: 'send', id, mail } satisfies ToMailThread);
      });
    },
    close() {
      closed = true;
      // The thread reports the sends it has before it ends; until then they keep the process alive.
      worker?.postMessage({ type: 'close' } satisfies ToMailThread);
      if (pending.size === 0) worker?.unref();
    },
  };
}

/** Keeps mails in the database for admins to read in the console; the log says one arrived (not to whom). */
export function createOutboxMailer(writer: Writer<MailWrites>, clock: Clock, log: Logger): Mailer {
  return {
    kind: 'outbox',
    async send(mail) {
      const id = await writer.run('outboxInsert', { to: mail.to, subject: mail.subject, text: mail.text, now: clock.now() });
      log.info({ outboxId: id }, `mail #${id} is in the dev outbox (console: Admin → Dev outbox)`);
    },
    close: () => {},
  };
}

/**
 * How long the queue waits before each further try: a mail server restarting or briefly unreachable
 * (a minute and a half in all) costs a delay, not the mail.
 */
export const MAIL_RETRY_DELAYS_MS = [500, 2_000, 5_000, 15_000, 60_000];

/**
 * Sends in the background so a request's answer (and its timing) never depends on the mail server;
 * failures are logged without addresses or contents. `idle()` lets tests and shutdown wait for it.
 */
export class MailQueue {
  private pending = new Set<Promise<boolean>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly retryDelaysMs: readonly number[] = MAIL_RETRY_DELAYS_MS,
  ) {}

  get kind(): Mailer['kind'] {
    return this.mailer.kind;
  }

  /** Sends in the background; the promise says whether the mail went (true) or was dropped after its retries. */
  enqueue(mail: OutgoingMail): Promise<boolean> {
    const job = this.sendWithRetry(mail).finally(() => this.pending.delete(job));
    this.pending.add(job);
    return job;
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private async sendWithRetry(mail: OutgoingMail): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.mailer.send(mail);
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        this.log.warn({ attempt, code }, 'mail delivery failed');
        const wait = this.retryDelaysMs[attempt - 1];
        if (code === CLOSED || wait === undefined) break;
        // Unref'd: a shutdown waits for mail being sent (bounded), not for a retry's pause.
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
    }
    this.log.error('mail dropped');
    return false;
  }
}

import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { MailRepository } from '../db/repositories/mail-repository';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: SMTP in production, the dev outbox on a developer's machine. */
export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function createSmtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    kind: 'smtp',
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}

/** Keeps mails in the database for admins to read in the console; the log says one arrived (not to whom). */
export function createOutboxMailer(repo: MailRepository, clock: Clock, log: Logger): Mailer {
  return {
    kind: 'outbox',
    async send(mail) {
      const id = repo.insert(mail.to, mail.subject, mail.text, clock.now());
      log.info({ outboxId: id }, `mail #${id} is in the dev outbox (console: Admin → Dev outbox)`);
    },
    close: () => {},
  };
}

/**
 * Sends in the background so a request's answer (and its timing) never depends on the mail server;
 * failures are logged without addresses or contents. `idle()` lets tests and shutdown wait for it.
 */
export class MailQueue {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly log: Logger,
  ) {}

  get kind(): Mailer['kind'] {
    return this.mailer.kind;
  }

  enqueue(mail: OutgoingMail): void {
    const job = this.sendWithRetry(mail).finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private async sendWithRetry(mail: OutgoingMail): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.mailer.send(mail);
        return;
      } catch (error) {
        this.log.warn({ attempt, code: (error as { code?: string }).code }, 'mail delivery failed');
        if (attempt < 3) await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
    this.log.error('mail dropped after 3 attempts');
  }
}

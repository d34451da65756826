import type { Repositories } from '../db/repositories/index';

/** The dev outbox's one write: a copy of a mail for admins to read in the console. */
export function createMailWrites(repos: Repositories) {
  return {
    outboxInsert(args: { to: string; subject: string; text: string; now: number }): number {
      return repos.mail.insert(args.to, args.subject, args.text, args.now);
    },
  };
}

export type MailWrites = ReturnType<typeof createMailWrites>;

import type { Stores } from '../db/store';

/** The dev outbox's one write: a copy of a mail for admins to read in the console. */
export function createMailWrites(repos: Stores) {
  return {
    async outboxInsert(args: { to: string; subject: string; text: string; now: number }): Promise<number> {
      return await repos.mail.insert(args.to, args.subject, args.text, args.now);
    },
  };
}

export type MailWrites = ReturnType<typeof createMailWrites>;

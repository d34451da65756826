import type { Db } from '../open';
import type { OutboxMailDto } from '../../../shared/types';

/** Copies of mails in the dev outbox. */
export class MailRepository {
  private readonly insertStmt;
  private readonly listStmt;
  private readonly deleteToStmt;
  private readonly countToStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(`INSERT INTO mail_outbox (to_address, subject, body, created_at) VALUES (?, ?, ?, ?)`);
    this.listStmt = db.prepare(
      `SELECT id, to_address AS "to", subject, body AS text, created_at AS createdAt FROM mail_outbox ORDER BY id DESC LIMIT 200`,
    );
    this.deleteToStmt = db.prepare(`DELETE FROM mail_outbox WHERE to_address = ?`);
    this.countToStmt = db.prepare(`SELECT count(*) FROM mail_outbox WHERE to_address = ?`).pluck();
  }

  insert(to: string, subject: string, text: string, now: number): number {
    return Number(this.insertStmt.run(to, subject, text, now).lastInsertRowid);
  }

  list(): OutboxMailDto[] {
    return this.listStmt.all() as OutboxMailDto[];
  }

  countTo(address: string): number {
    return this.countToStmt.get(address) as number;
  }

  deleteTo(address: string): number {
    return this.deleteToStmt.run(address).changes;
  }
}

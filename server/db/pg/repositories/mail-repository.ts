import type { OutboxMailDto } from '../../../../shared/types';
import type { MailStore } from '../../store';
import type { Queryable } from '../queryable';

const INSERT = `INSERT INTO mail_outbox (to_address, subject, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`;
const LIST = `SELECT id, to_address AS "to", subject, body AS text, created_at AS "createdAt" FROM mail_outbox ORDER BY id DESC LIMIT 200`;
// to_address is case_insensitive: = ignores case, as SQLite's NOCASE column does.
const DELETE_TO = `DELETE FROM mail_outbox WHERE to_address = $1`;
const COUNT_TO = `SELECT count(*) AS n FROM mail_outbox WHERE to_address = $1`;

/** Copies of mails in the dev outbox in PostgreSQL; the twin of the SQLite MailRepository. */
export class PgMailRepository implements MailStore {
  constructor(private readonly db: Queryable) {}

  async insert(to: string, subject: string, text: string, now: number): Promise<number> {
    return (await this.db.query<{ id: number }>({ name: 'mail-insert', text: INSERT, values: [to, subject, text, now] })).rows[0].id;
  }

  async list(): Promise<OutboxMailDto[]> {
    return (await this.db.query<OutboxMailDto>({ name: 'mail-list', text: LIST })).rows;
  }

  async countTo(address: string): Promise<number> {
    return (await this.db.query<{ n: number }>({ name: 'mail-count-to', text: COUNT_TO, values: [address] })).rows[0].n;
  }

  async deleteTo(address: string): Promise<number> {
    return (await this.db.query({ name: 'mail-delete-to', text: DELETE_TO, values: [address] })).rowCount ?? 0;
  }
}

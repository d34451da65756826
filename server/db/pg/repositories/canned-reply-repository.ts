import type { CannedReplyDto } from '../../../../shared/types';
import type { CannedReplyStore } from '../../store';
import type { Queryable } from '../queryable';

const SELECT = `SELECT id, shortcut, body AS text FROM canned_replies`;
// SQLite orders the NOCASE column as NOCASE: ASCII letters folded (lower() under "C" folds nothing else),
// then byte by byte. The column's ICU collation would order punctuation and digits otherwise.
const LIST = `${SELECT} ORDER BY lower(shortcut COLLATE "C")`;
const BY_ID = `${SELECT} WHERE id = $1`;
// shortcut is case_insensitive: = ignores case, as SQLite's NOCASE column does.
const BY_SHORTCUT = `${SELECT} WHERE shortcut = $1`;
// The caller checks the shortcut is free and then writes; UNIQUE (shortcut) refuses one a concurrent writer
// took in between (a unique violation, as in SQLite), and so it does the examples two nodes might add at once.
const INSERT = `INSERT INTO canned_replies (shortcut, body, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`;
const UPDATE = `UPDATE canned_replies SET shortcut = $1, body = $2, updated_at = $3 WHERE id = $4`;
const DELETE = `DELETE FROM canned_replies WHERE id = $1`;

/** Canned replies in PostgreSQL, managed by admins, ordered by shortcut; the twin of the SQLite CannedReplyRepository. */
export class PgCannedReplyRepository implements CannedReplyStore {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<CannedReplyDto[]> {
    return (await this.db.query<CannedReplyDto>({ name: 'canned-list', text: LIST })).rows;
  }

  async byId(id: number): Promise<CannedReplyDto | null> {
    return (await this.db.query<CannedReplyDto>({ name: 'canned-by-id', text: BY_ID, values: [id] })).rows[0] ?? null;
  }

  async byShortcut(shortcut: string): Promise<CannedReplyDto | null> {
    return (await this.db.query<CannedReplyDto>({ name: 'canned-by-shortcut', text: BY_SHORTCUT, values: [shortcut] })).rows[0] ?? null;
  }

  async insert(shortcut: string, text: string, now: number): Promise<number> {
    return (await this.db.query<{ id: number }>({ name: 'canned-insert', text: INSERT, values: [shortcut, text, now] })).rows[0].id;
  }

  async update(id: number, shortcut: string, text: string, now: number): Promise<boolean> {
    return (await this.db.query({ name: 'canned-update', text: UPDATE, values: [shortcut, text, now, id] })).rowCount === 1;
  }

  async delete(id: number): Promise<boolean> {
    return (await this.db.query({ name: 'canned-delete', text: DELETE, values: [id] })).rowCount === 1;
  }
}

import type { OperatorRole } from '../../../../shared/types';
import type { OperatorRow } from '../../repositories/operator-repository';
import type { OperatorStore } from '../../store';
import type { Queryable } from '../queryable';

const COLUMNS = `id, email, name, role, password_hash AS "passwordHash", disabled, away, created_at AS "createdAt"`;

type Raw = Omit<OperatorRow, 'disabled' | 'away'> & { disabled: number; away: number };

function toRow(raw: Raw | undefined): OperatorRow | null {
  return raw ? { ...raw, disabled: raw.disabled === 1, away: raw.away === 1 } : null;
}

const INSERT = `INSERT INTO operators (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`;
// email is case_insensitive: = ignores case, as SQLite's NOCASE column does.
const BY_EMAIL = `SELECT ${COLUMNS} FROM operators WHERE email = $1`;
const BY_ID = `SELECT ${COLUMNS} FROM operators WHERE id = $1`;
const COUNT = `SELECT count(*) AS n FROM operators`;
const INSERT_SESSION = `INSERT INTO operator_sessions (id_hash, operator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`;
const SESSION = `SELECT o.id, o.email, o.name, o.role, o.password_hash AS "passwordHash", o.disabled, o.away, o.created_at AS "createdAt"
    FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
   WHERE s.id_hash = $1 AND s.expires_at > $2`;
const DELETE_SESSION = `DELETE FROM operator_sessions WHERE id_hash = $1`;
const PURGE_SESSIONS = `DELETE FROM operator_sessions WHERE expires_at <= $1`;
// SQLite's `name COLLATE NOCASE`, exactly: ASCII letters folded (lower() under "C" folds nothing else),
// then compared byte by byte. The ICU collation would place "Émile" among the E's, SQLite after "Z".
const LIST = `SELECT ${COLUMNS} FROM operators ORDER BY disabled, lower(name COLLATE "C"), id`;
const DISABLED = `UPDATE operators SET disabled = $1 WHERE id = $2`;
const PASSWORD = `UPDATE operators SET password_hash = $1 WHERE id = $2`;
const AWAY = `UPDATE operators SET away = $1 WHERE id = $2`;
// SQLite's `IS NOT`: with no session to keep (NULL), every session goes.
const DELETE_SESSIONS_OF = `DELETE FROM operator_sessions WHERE operator_id = $1 AND id_hash IS DISTINCT FROM $2`;
const ADMIN_COUNT = `SELECT count(*) AS n FROM operators WHERE role = 'admin' AND disabled = 0`;

/** Operators and their sign-in sessions in PostgreSQL; the twin of the SQLite OperatorRepository. */
export class PgOperatorRepository implements OperatorStore {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<OperatorRow[]> {
    return (await this.db.query<Raw>({ name: 'operator-list', text: LIST })).rows.map((raw) => toRow(raw)!);
  }

  async setDisabled(id: number, disabled: boolean): Promise<void> {
    await this.db.query({ name: 'operator-disabled', text: DISABLED, values: [disabled ? 1 : 0, id] });
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.db.query({ name: 'operator-password', text: PASSWORD, values: [passwordHash, id] });
  }

  async setAway(id: number, away: boolean): Promise<void> {
    await this.db.query({ name: 'operator-away', text: AWAY, values: [away ? 1 : 0, id] });
  }

  /** Ends every session of the operator, except the one whose hash is `keep` (if given). */
  async deleteSessionsOf(operatorId: number, keep: Buffer | null = null): Promise<number> {
    return (
      (await this.db.query({ name: 'operator-delete-sessions-of', text: DELETE_SESSIONS_OF, values: [operatorId, keep] })).rowCount ?? 0
    );
  }

  async enabledAdminCount(): Promise<number> {
    return (await this.db.query<{ n: number }>({ name: 'operator-admin-count', text: ADMIN_COUNT })).rows[0].n;
  }

  async create(input: { email: string; name: string; role: OperatorRole; passwordHash: string; now: number }): Promise<OperatorRow> {
    const values = [input.email, input.name, input.role, input.passwordHash, input.now];
    return toRow((await this.db.query<Raw>({ name: 'operator-insert', text: INSERT, values })).rows[0])!;
  }

  async findByEmail(email: string): Promise<OperatorRow | null> {
    return toRow((await this.db.query<Raw>({ name: 'operator-by-email', text: BY_EMAIL, values: [email] })).rows[0]);
  }

  async findById(id: number): Promise<OperatorRow | null> {
    return toRow((await this.db.query<Raw>({ name: 'operator-by-id', text: BY_ID, values: [id] })).rows[0]);
  }

  async count(): Promise<number> {
    return (await this.db.query<{ n: number }>({ name: 'operator-count', text: COUNT })).rows[0].n;
  }

  async createSession(idHash: Buffer, operatorId: number, now: number, expiresAt: number): Promise<void> {
    await this.db.query({ name: 'operator-session-insert', text: INSERT_SESSION, values: [idHash, operatorId, now, expiresAt] });
  }

  /** The operator behind a live session, disabled or not (the caller decides what disabled means). */
  async findBySession(idHash: Buffer, now: number): Promise<OperatorRow | null> {
    return toRow((await this.db.query<Raw>({ name: 'operator-by-session', text: SESSION, values: [idHash, now] })).rows[0]);
  }

  async deleteSession(idHash: Buffer): Promise<void> {
    await this.db.query({ name: 'operator-session-delete', text: DELETE_SESSION, values: [idHash] });
  }

  async purgeExpiredSessions(now: number): Promise<void> {
    await this.db.query({ name: 'operator-sessions-purge', text: PURGE_SESSIONS, values: [now] });
  }
}

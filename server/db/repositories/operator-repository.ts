import type { Db } from '../open';
import type { OperatorRole } from '../../../shared/types';

export interface OperatorRow {
  id: number;
  email: string;
  name: string;
  role: OperatorRole;
  passwordHash: string;
  disabled: boolean;
  /** The operator said they are away (presence is otherwise derived from their live connections). */
  away: boolean;
  createdAt: number;
}

const COLUMNS = `id, email, name, role, password_hash AS passwordHash, disabled, away, created_at AS createdAt`;

function toRow(raw: (Omit<OperatorRow, 'disabled' | 'away'> & { disabled: number; away: number }) | undefined): OperatorRow | null {
  return raw ? { ...raw, disabled: raw.disabled === 1, away: raw.away === 1 } : null;
}

/** Operators and their sign-in sessions. */
export class OperatorRepository {
  private readonly insertStmt;
  private readonly byEmailStmt;
  private readonly byIdStmt;
  private readonly countStmt;
  private readonly insertSessionStmt;
  private readonly sessionStmt;
  private readonly deleteSessionStmt;
  private readonly purgeSessionsStmt;
  private readonly listStmt;
  private readonly disabledStmt;
  private readonly passwordStmt;
  private readonly awayStmt;
  private readonly deleteSessionsOfStmt;
  private readonly adminCountStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(`INSERT INTO operators (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`);
    this.byEmailStmt = db.prepare(`SELECT ${COLUMNS} FROM operators WHERE email = ?`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM operators WHERE id = ?`);
    this.countStmt = db.prepare(`SELECT count(*) AS n FROM operators`).pluck();
    this.insertSessionStmt = db.prepare(`INSERT INTO operator_sessions (id_hash, operator_id, created_at, expires_at) VALUES (?, ?, ?, ?)`);
    this.sessionStmt = db.prepare(
      `SELECT o.id, o.email, o.name, o.role, o.password_hash AS passwordHash, o.disabled, o.away, o.created_at AS createdAt
         FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
        WHERE s.id_hash = ? AND s.expires_at > ?`,
    );
    this.deleteSessionStmt = db.prepare(`DELETE FROM operator_sessions WHERE id_hash = ?`);
    this.purgeSessionsStmt = db.prepare(`DELETE FROM operator_sessions WHERE expires_at <= ?`);
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM operators ORDER BY disabled, name COLLATE NOCASE, id`);
    this.disabledStmt = db.prepare(`UPDATE operators SET disabled = ? WHERE id = ?`);
    this.passwordStmt = db.prepare(`UPDATE operators SET password_hash = ? WHERE id = ?`);
    this.awayStmt = db.prepare(`UPDATE operators SET away = ? WHERE id = ?`);
    this.deleteSessionsOfStmt = db.prepare(`DELETE FROM operator_sessions WHERE operator_id = ? AND id_hash IS NOT ?`);
    this.adminCountStmt = db.prepare(`SELECT count(*) FROM operators WHERE role = 'admin' AND disabled = 0`).pluck();
  }

  list(): OperatorRow[] {
    return (this.listStmt.all() as never[]).map((raw) => toRow(raw)!);
  }

  setDisabled(id: number, disabled: boolean): void {
    this.disabledStmt.run(disabled ? 1 : 0, id);
  }

  setPasswordHash(id: number, passwordHash: string): void {
    this.passwordStmt.run(passwordHash, id);
  }

  setAway(id: number, away: boolean): void {
    this.awayStmt.run(away ? 1 : 0, id);
  }

  /** Ends every session of the operator, except the one whose hash is `keep` (if given). */
  deleteSessionsOf(operatorId: number, keep: Buffer | null = null): number {
    return this.deleteSessionsOfStmt.run(operatorId, keep).changes;
  }

  enabledAdminCount(): number {
    return this.adminCountStmt.get() as number;
  }

  create(input: { email: string; name: string; role: OperatorRole; passwordHash: string; now: number }): OperatorRow {
    const info = this.insertStmt.run(input.email, input.name, input.role, input.passwordHash, input.now);
    return this.findById(Number(info.lastInsertRowid))!;
  }

  findByEmail(email: string): OperatorRow | null {
    return toRow(this.byEmailStmt.get(email) as never);
  }

  findById(id: number): OperatorRow | null {
    return toRow(this.byIdStmt.get(id) as never);
  }

  count(): number {
    return this.countStmt.get() as number;
  }

  createSession(idHash: Buffer, operatorId: number, now: number, expiresAt: number): void {
    this.insertSessionStmt.run(idHash, operatorId, now, expiresAt);
  }

  /** The operator behind a live session, disabled or not (the caller decides what disabled means). */
  findBySession(idHash: Buffer, now: number): OperatorRow | null {
    return toRow(this.sessionStmt.get(idHash, now) as never);
  }

  deleteSession(idHash: Buffer): void {
    this.deleteSessionStmt.run(idHash);
  }

  purgeExpiredSessions(now: number): void {
    this.purgeSessionsStmt.run(now);
  }
}

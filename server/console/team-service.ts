import { AppError } from '../../shared/errors';
import type { OperatorCreateInput } from '../../shared/schemas';
import type { TeamMemberDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { generatePassword, hashPassword, sha256, verifyPassword } from '../platform/crypto';
import type { OperatorRepository, OperatorRow } from '../db/repositories/operator-repository';
import type { EventBus } from '../platform/events';
import type { AuthService } from './auth-service';
import type { PresenceService } from './presence-service';
import { RateLimiter } from '../platform/rate-limiter';

/**
 * Operator accounts as admins manage them (console and command line alike) and an operator's own
 * password. Disabling, resetting or changing a password ends the affected sessions at once; the
 * realtime layer cuts their live sockets on `operator:sessions-revoked`.
 */
export class TeamService {
  private readonly passwordTries: RateLimiter;

  constructor(
    private readonly operators: OperatorRepository,
    private readonly auth: AuthService,
    private readonly presence: PresenceService,
    private readonly bus: EventBus,
    clock: Clock,
  ) {
    this.passwordTries = new RateLimiter(clock, 5, 15 * 60 * 1000);
  }

  list(): TeamMemberDto[] {
    return this.presence.team();
  }

  member(id: number): TeamMemberDto {
    const member = this.presence.team().find((m) => m.id === id);
    if (!member) throw new AppError('not_found', 'No such operator.');
    return member;
  }

  /** Creates an account; without a password one is generated and returned (to be shown once). */
  async create(input: OperatorCreateInput): Promise<{ operator: TeamMemberDto; password: string | null }> {
    const password = input.password ?? generatePassword();
    const created = await this.auth.createOperator({ email: input.email, name: input.name, role: input.role, password });
    this.presence.changed();
    return { operator: this.member(created.id), password: input.password ? null : password };
  }

  /** Disables (ending every session and live connection) or re-enables an account. */
  setDisabled(actor: OperatorRow | null, id: number, disabled: boolean): TeamMemberDto {
    const target = this.require(id);
    if (disabled && actor?.id === id) throw new AppError('invalid_state', 'You cannot disable your own account.');
    if (disabled && target.role === 'admin' && !target.disabled && this.operators.enabledAdminCount() <= 1) {
      throw new AppError('invalid_state', 'This is the last enabled admin; enable or add another admin first.');
    }
    this.operators.setDisabled(id, disabled);
    if (disabled) this.revokeSessions(id, null);
    this.presence.changed();
    return this.member(id);
  }

  /** Sets a new password (generated when none is given) and ends every session of that operator. */
  async resetPassword(id: number, password?: string): Promise<{ password: string | null }> {
    this.require(id);
    const next = password ?? generatePassword();
    this.operators.setPasswordHash(id, await hashPassword(next));
    this.revokeSessions(id, null);
    return { password: password ? null : next };
  }

  /** An operator's own change: needs the current password; other sessions end, this one stays. */
  async changeOwnPassword(operator: OperatorRow, sessionToken: string, current: string, next: string): Promise<void> {
    const key = String(operator.id);
    if (!this.passwordTries.allowed(key)) throw new AppError('rate_limited', 'Too many wrong passwords. Try again in 15 minutes.');
    if (!(await verifyPassword(current, operator.passwordHash))) {
      this.passwordTries.hit(key);
      throw new AppError('forbidden', 'The current password is wrong.');
    }
    if (current === next) throw new AppError('invalid_payload', 'The new password must differ from the current one.');
    this.passwordTries.reset(key);
    this.operators.setPasswordHash(operator.id, await hashPassword(next));
    this.revokeSessions(operator.id, sha256(sessionToken));
  }

  byEmail(email: string): OperatorRow {
    const row = this.operators.findByEmail(email);
    if (!row) throw new AppError('not_found', 'No operator with this e-mail.');
    return row;
  }

  private revokeSessions(operatorId: number, keep: Buffer | null): void {
    this.operators.deleteSessionsOf(operatorId, keep);
    this.bus.emit('operator:sessions-revoked', { operatorId });
  }

  private require(id: number): OperatorRow {
    const row = this.operators.findById(id);
    if (!row) throw new AppError('not_found', 'No such operator.');
    return row;
  }
}

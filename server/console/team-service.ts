import { AppError } from '../../shared/errors';
import type { OperatorCreateInput } from '../../shared/schemas';
import type { TeamMemberDto } from '../../shared/types';
import { generatePassword, hashPassword, sha256, verifyPassword } from '../platform/crypto';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { Stores } from '../db/store';
import type { EventBus } from '../platform/events';
import type { AuthService } from './auth-service';
import type { PresenceService } from './presence-service';
import type { RateLimit, RateLimits } from '../platform/rate-limiter';
import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from './console-writes';

/**
 * Operator accounts as admins manage them (console and command line alike) and an operator's own
 * password. Disabling, resetting or changing a password ends the affected sessions at once; the
 * realtime layer cuts their live sockets on `operator:sessions-revoked`.
 */
export class TeamService {
  /** Wrong current passwords per operator, shared across nodes with the app's limits (a stolen session must not guess on). */
  private readonly passwordTries: RateLimit;

  constructor(
    private readonly operators: Stores['operators'],
    private readonly writer: Writer<ConsoleWrites>,
    private readonly auth: AuthService,
    private readonly presence: PresenceService,
    private readonly bus: EventBus,
    limits: RateLimits,
  ) {
    this.passwordTries = limits({ name: 'password-change', limit: 5, windowMs: 15 * 60 * 1000 });
  }

  list(): TeamMemberDto[] | Promise<TeamMemberDto[]> {
    return this.presence.team();
  }

  async member(id: number): Promise<TeamMemberDto> {
    const member = (await this.presence.team()).find((m) => m.id === id);
    if (!member) throw new AppError('not_found', 'No such operator.');
    return member;
  }

  /** Creates an account; without a password one is generated and returned (to be shown once). */
  async create(input: OperatorCreateInput): Promise<{ operator: TeamMemberDto; password: string | null }> {
    const password = input.password ?? generatePassword();
    const created = await this.auth.createOperator({ email: input.email, name: input.name, role: input.role, password });
    this.presence.changed();
    return { operator: await this.member(created.id), password: input.password ? null : password };
  }

  /** Disables (ending every session and live connection) or re-enables an account. */
  async setDisabled(actor: OperatorRow | null, id: number, disabled: boolean): Promise<TeamMemberDto> {
    const { revoked } = await this.writer.run('operatorSetDisabled', { actorId: actor?.id ?? null, id, disabled });
    if (revoked) this.bus.emit('operator:sessions-revoked', { operatorId: id });
    this.presence.changed();
    return this.member(id);
  }

  /** Sets a new password (generated when none is given) and ends every session of that operator. */
  async resetPassword(id: number, password?: string): Promise<{ password: string | null }> {
    await this.require(id);
    const next = password ?? generatePassword();
    await this.setPassword(id, await hashPassword(next), null);
    return { password: password ? null : next };
  }

  /** An operator's own change: needs the current password; other sessions end, this one stays. */
  async changeOwnPassword(operator: OperatorRow, sessionToken: string, current: string, next: string): Promise<void> {
    const key = String(operator.id);
    if (!(await this.passwordTries.allowed(key))) throw new AppError('rate_limited', 'Too many wrong passwords. Try again in 15 minutes.');
    if (!(await verifyPassword(current, operator.passwordHash))) {
      await this.passwordTries.hit(key);
      throw new AppError('forbidden', 'The current password is wrong.');
    }
    if (current === next) throw new AppError('invalid_payload', 'The new password must differ from the current one.');
    await this.passwordTries.reset(key);
    await this.setPassword(operator.id, await hashPassword(next), sha256(sessionToken).toString('hex'));
  }

  async byEmail(email: string): Promise<OperatorRow> {
    const row = await this.operators.findByEmail(email);
    if (!row) throw new AppError('not_found', 'No operator with this e-mail.');
    return row;
  }

  /** The account's sessions end with the change, but for `keepSession` (hex hash of the one that made it). */
  private async setPassword(operatorId: number, passwordHash: string, keepSession: string | null): Promise<void> {
    await this.writer.run('operatorSetPassword', { id: operatorId, passwordHash, keepSession });
    this.bus.emit('operator:sessions-revoked', { operatorId });
  }

  private async require(id: number): Promise<OperatorRow> {
    const row = await this.operators.findById(id);
    if (!row) throw new AppError('not_found', 'No such operator.');
    return row;
  }
}

import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { operatorEmailSchema } from '../../shared/schemas';
import type { OperatorDto, OperatorRole } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { generatePassword, hashPassword, randomToken, sha256, verifyPassword } from '../platform/crypto';
import type { OperatorRepository, OperatorRow } from '../db/repositories/operator-repository';
import { RateLimiter } from '../platform/rate-limiter';

const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
/** The first admin's address when ADMIN_EMAIL is unset: a valid address (RFC 2606), so it signs in as printed. */
export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

export function toOperatorDto(row: OperatorRow): OperatorDto {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** Operator accounts, sign-in with lockout, and server-side sessions. */
export class AuthService {
  private readonly accountFailures: RateLimiter;
  private readonly ipFailures: RateLimiter;
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly operators: OperatorRepository,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
  ) {
    this.accountFailures = new RateLimiter(clock, 5, LOCKOUT_WINDOW_MS);
    this.ipFailures = new RateLimiter(clock, 20, LOCKOUT_WINDOW_MS);
  }

  async createOperator(input: { email: string; name: string; role: OperatorRole; password: string }): Promise<OperatorDto> {
    // Every path that creates an account passes here; the e-mail rule is the sign-in form's own.
    const email = v.safeParse(operatorEmailSchema, input.email);
    if (!email.success)
      throw new AppError('invalid_payload', 'That is not an e-mail address an operator can sign in with (name@domain.tld).');
    input = { ...input, email: email.output };
    if (input.password.length < 10) throw new AppError('invalid_payload', 'Passwords need at least 10 characters.');
    if (this.operators.findByEmail(input.email)) throw new AppError('conflict', 'An operator with this e-mail exists.');
    const passwordHash = await hashPassword(input.password);
    return toOperatorDto(this.operators.create({ ...input, passwordHash, now: this.clock.now() }));
  }

  /**
   * On an empty database, creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD or with a generated
   * password. Returns the credentials to print once, or null when operators already exist.
   */
  async ensureFirstAdmin(
    email: string | null,
    password: string | null,
  ): Promise<{ email: string; password: string; generated: boolean } | null> {
    if (this.operators.count() > 0) return null;
    const account = { email: email ?? DEFAULT_ADMIN_EMAIL, password: password ?? generatePassword() };
    await this.createOperator({ ...account, name: 'Admin', role: 'admin' });
    return { ...account, generated: password === null };
  }

  /** Checks the password; returns a new session token. Same error whether the account exists or not. */
  async signIn(
    email: string,
    password: string,
    ip: string,
  ): Promise<{ token: string; operator: OperatorDto; expiresAt: number; lifetimeMs: number }> {
    const accountKey = email.toLowerCase();
    if (!this.accountFailures.allowed(accountKey) || !this.ipFailures.allowed(ip)) {
      throw new AppError('rate_limited', 'Too many failed sign-ins. Try again in 15 minutes.');
    }
    const row = this.operators.findByEmail(email);
    // Hash something even for unknown accounts, so timing does not reveal which e-mails exist.
    const ok = row ? await verifyPassword(password, row.passwordHash) : await this.burnDummy(password);
    if (!row || !ok || row.disabled) {
      this.accountFailures.hit(accountKey);
      this.ipFailures.hit(ip);
      throw new AppError('unauthorized', 'Wrong e-mail or password.');
    }
    this.accountFailures.reset(accountKey);
    const token = randomToken(32);
    const now = this.clock.now();
    const expiresAt = now + this.sessionTtlMs;
    this.operators.purgeExpiredSessions(now);
    this.operators.createSession(sha256(token), row.id, now, expiresAt);
    return { token, operator: toOperatorDto(row), expiresAt, lifetimeMs: this.sessionTtlMs };
  }

  /** The enabled operator behind a session token, or null. */
  operatorForSession(token: string | undefined): OperatorRow | null {
    if (!token) return null;
    const row = this.operators.findBySession(sha256(token), this.clock.now());
    return row && !row.disabled ? row : null;
  }

  signOut(token: string | undefined): void {
    if (token) this.operators.deleteSession(sha256(token));
  }

  private async burnDummy(password: string): Promise<false> {
    this.dummyHash ??= hashPassword(randomToken());
    await verifyPassword(password, await this.dummyHash);
    return false;
  }
}

import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { operatorEmailSchema } from '../../shared/schemas';
import type { OperatorDto, OperatorRole } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { generatePassword, hashPassword, randomToken, sha256, verifyPassword } from '../platform/crypto';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { Stores } from '../db/store';
import type { RateLimit, RateLimits } from '../platform/rate-limiter';
import type { Writer } from '../writer/group-commit';
import { type ConsoleWrites, toOperatorDto } from './console-writes';

export { toOperatorDto };

const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
/** The first admin's address when ADMIN_EMAIL is unset: a valid address (RFC 2606), so it signs in as printed. */
export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

/** Operator accounts, sign-in with lockout, and server-side sessions; the writes go through the writer. */
export class AuthService {
  /** Counted wherever the app's limits live (app.ts): across nodes with Redis, so N nodes do not allow N× the guesses. */
  private readonly accountFailures: RateLimit;
  private readonly ipFailures: RateLimit;
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly operators: Stores['operators'],
    private readonly writer: Writer<ConsoleWrites>,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
    limits: RateLimits,
  ) {
    this.accountFailures = limits({ name: 'signin-account', limit: 5, windowMs: LOCKOUT_WINDOW_MS });
    this.ipFailures = limits({ name: 'signin-ip', limit: 20, windowMs: LOCKOUT_WINDOW_MS });
  }

  async createOperator(input: { email: string; name: string; role: OperatorRole; password: string }): Promise<OperatorDto> {
    const { email, passwordHash } = await this.checkAccount(input);
    return this.writer.run('operatorCreate', { email, name: input.name, role: input.role, passwordHash, now: this.clock.now() });
  }

  /** Every path that creates an account passes here; the e-mail rule is the sign-in form's own. */
  private async checkAccount(input: { email: string; password: string }): Promise<{ email: string; passwordHash: string }> {
    const email = v.safeParse(operatorEmailSchema, input.email);
    if (!email.success)
      throw new AppError('invalid_payload', 'That is not an e-mail address an operator can sign in with (name@domain.tld).');
    if (input.password.length < 10) throw new AppError('invalid_payload', 'Passwords need at least 10 characters.');
    // Refused before the (deliberately slow) hash; the write checks again, in its transaction.
    if (await this.operators.findByEmail(email.output)) throw new AppError('conflict', 'An operator with this e-mail exists.');
    return { email: email.output, passwordHash: await hashPassword(input.password) };
  }

  /**
   * On an empty database, creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD or with a generated
   * password. Returns the credentials to print once, or null when operators already exist.
   */
  async ensureFirstAdmin(
    email: string | null,
    password: string | null,
  ): Promise<{ email: string; password: string; generated: boolean } | null> {
    if ((await this.operators.count()) > 0) return null;
    const account = { email: email ?? DEFAULT_ADMIN_EMAIL, password: password ?? generatePassword() };
    const checked = await this.checkAccount(account);
    const created = await this.writer.run('operatorCreateFirst', { ...checked, name: 'Admin', now: this.clock.now() });
    return created && { ...account, generated: password === null };
  }

  /**
   * Checks the password; returns a new session token. Same error whether the account exists or not. While
   * the limits' store does not answer, every sign-in is refused (`internal`, "try again shortly"): failures
   * that cannot be counted must not be allowed.
   */
  async signIn(
    email: string,
    password: string,
    ip: string,
  ): Promise<{ token: string; operator: OperatorDto; expiresAt: number; lifetimeMs: number }> {
    const accountKey = email.toLowerCase();
    const [accountAllowed, ipAllowed] = await Promise.all([this.accountFailures.allowed(accountKey), this.ipFailures.allowed(ip)]);
    if (!accountAllowed || !ipAllowed) {
      throw new AppError('rate_limited', 'Too many failed sign-ins. Try again in 15 minutes.');
    }
    const row = await this.operators.findByEmail(email);
    // Hash something even for unknown accounts, so timing does not reveal which e-mails exist.
    const ok = row ? await verifyPassword(password, row.passwordHash) : await this.burnDummy(password);
    if (!row || !ok || row.disabled) {
      await Promise.all([this.accountFailures.hit(accountKey), this.ipFailures.hit(ip)]);
      throw new AppError('unauthorized', 'Wrong e-mail or password.');
    }
    await this.accountFailures.reset(accountKey);
    const token = randomToken(32);
    const now = this.clock.now();
    const expiresAt = now + this.sessionTtlMs;
    await this.writer.run('sessionCreate', { tokenHash: sha256(token).toString('hex'), operatorId: row.id, now, expiresAt });
    return { token, operator: toOperatorDto(row), expiresAt, lifetimeMs: this.sessionTtlMs };
  }

  /** The enabled operator behind a session token, or null. */
  async operatorForSession(token: string | undefined): Promise<OperatorRow | null> {
    if (!token) return null;
    const row = await this.operators.findBySession(sha256(token), this.clock.now());
    return row && !row.disabled ? row : null;
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.writer.run('sessionDelete', { tokenHash: sha256(token).toString('hex') });
  }

  private async burnDummy(password: string): Promise<false> {
    this.dummyHash ??= hashPassword(randomToken());
    await verifyPassword(password, await this.dummyHash);
    return false;
  }
}

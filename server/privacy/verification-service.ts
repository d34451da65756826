import { AppError } from '../../shared/errors';
import { CODE_LENGTH } from '../../shared/privacy';
import type { Clock } from '../platform/clock';
import { hmac, randomDigits, randomToken, safeEqual } from '../platform/crypto';
import type { VerificationRow } from '../db/repositories/verification-repository';
import type { Stores } from '../db/store';

export const CODE_TTL_MS = 10 * 60 * 1000;
export const LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_ATTEMPTS = 5;
export const MAX_SENDS_PER_EMAIL_PER_HOUR = 3;
export const MAX_SENDS_PER_IP_PER_HOUR = 10;
const HOUR = 60 * 60 * 1000;

/** The window of the per-network count of code sends (MAX_SENDS_PER_IP_PER_HOUR), counted by PrivacyDesk. */
export const NETWORK_SENDS_WINDOW_MS = HOUR;

/**
 * Proof that a requester holds an e-mail address (OWASP ASVS 5 §6.5–6.6): secrets from crypto
 * randomness, stored only as a keyed HMAC bound to their verification id, compared in constant time,
 * single use, short-lived, with limited tries and limited sends per address and per IP.
 */
export class VerificationService {
  constructor(
    private readonly repo: Stores['verifications'],
    private readonly clock: Clock,
    private readonly key: Buffer,
  ) {}

  /**
   * Refuses a send when the address, or the network it was asked from, has had its share this hour. The
   * network's count is taken before the write, on the main thread (PrivacyDesk): shared across nodes, which
   * a count in this transaction cannot be. `networkAllowed` is its verdict; true where no network asked.
   */
  async checkSendAllowed(emailHash: Buffer, networkAllowed = true): Promise<void> {
    if (!networkAllowed)
      throw new AppError('rate_limited', 'Too many verification requests from your network. Please try again in an hour.');
    if ((await this.repo.sendsSince(emailHash, this.clock.now() - HOUR)) >= MAX_SENDS_PER_EMAIL_PER_HOUR) {
      throw new AppError('rate_limited', 'We have sent this address several codes in the last hour. Please wait before asking again.');
    }
  }

  /** Creates a code (or link secret) for `requestId`; returns the id and the secret to mail. */
  async issue(kind: 'code' | 'link', requestId: number, emailHash: Buffer): Promise<{ id: string; secret: string; expiresAt: number }> {
    const now = this.clock.now();
    const id = randomToken(18);
    const secret = kind === 'code' ? randomDigits(CODE_LENGTH) : randomToken(24);
    const expiresAt = now + (kind === 'code' ? CODE_TTL_MS : LINK_TTL_MS);
    await this.repo.insert({ id, requestId, kind, secretHash: this.hash(id, secret), emailHash, createdAt: now, expiresAt });
    await this.repo.logSend(emailHash, now);
    return { id, secret, expiresAt };
  }

  /** A fresh code for the same verification; the previous code stops working. */
  async reissue(id: string, networkAllowed: boolean): Promise<{ verification: VerificationRow; secret: string; expiresAt: number }> {
    // An expired code may be replaced (the expiry message tells the requester to ask for a new one); a used or void one may not.
    const verification = await this.usable(id, 'code', true);
    await this.checkSendAllowed(verification.emailHash, networkAllowed);
    const secret = randomDigits(CODE_LENGTH);
    const now = this.clock.now();
    const expiresAt = now + CODE_TTL_MS;
    await this.repo.renew(id, this.hash(id, secret), expiresAt);
    await this.repo.logSend(verification.emailHash, now);
    return { verification, secret, expiresAt };
  }

  /**
   * Checks `secret` against verification `id` and consumes it on success. Wrong tries are counted;
   * the fifth voids the verification. Returns the request it belongs to.
   */
  async confirm(id: string, kind: 'code' | 'link', secret: string): Promise<VerificationRow> {
    const verification = await this.usable(id, kind);
    if (!safeEqual(this.hash(id, secret), verification.secretHash)) {
      const attempts = await this.repo.countAttempt(id);
      if (attempts >= MAX_ATTEMPTS) {
        await this.repo.consume(id, this.clock.now());
        throw new AppError('too_many_attempts', 'Too many wrong codes. This code no longer works; please start again.');
      }
      const left = MAX_ATTEMPTS - attempts;
      throw new AppError('invalid_code', `That code is not right. ${left} ${left === 1 ? 'try' : 'tries'} left.`, { triesLeft: left });
    }
    if (!(await this.repo.consume(id, this.clock.now()))) throw new AppError('code_expired', 'This code was already used.');
    return verification;
  }

  /** The request a verification belongs to, or null when there is no such verification. */
  async requestOf(id: string): Promise<number | null> {
    return (await this.repo.byId(id))?.requestId ?? null;
  }

  /** Voids every open verification of a request (it was verified another way, or closed). */
  async voidAll(requestId: number): Promise<void> {
    await this.repo.consumeAllFor(requestId, this.clock.now());
  }

  private async usable(id: string, kind: 'code' | 'link', allowExpired = false): Promise<VerificationRow> {
    const verification = await this.repo.byId(id);
    if (!verification || verification.kind !== kind) throw new AppError('invalid_code', 'That code is not right.');
    if (verification.consumedAt !== null) {
      throw verification.attempts >= MAX_ATTEMPTS
        ? new AppError('too_many_attempts', 'Too many wrong codes. This code no longer works; please start again.')
        : new AppError('code_expired', 'This code was already used or replaced.');
    }
    if (!allowExpired && verification.expiresAt <= this.clock.now())
      throw new AppError('code_expired', 'This code has expired. Ask for a new one.');
    return verification;
  }

  private hash(id: string, secret: string): Buffer {
    return hmac(this.key, `verification:${id}:${secret}`);
  }
}

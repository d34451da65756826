import { AppError } from '../../shared/errors';
import type { ContactInput, IdentifyInput, VisitorHelloInput } from '../../shared/schemas';
import type { Clock } from '../platform/clock';
import { hmac, randomToken, safeEqual, sha256 } from '../platform/crypto';
import type { Writer } from '../writer/group-commit';
import type { VisitorRow } from '../db/repositories/visitor-repository';
import type { Stores } from '../db/store';
import type { ChatWrites } from './chat-writes';
import type { RateLimit, RateLimits } from '../platform/rate-limiter';

/** Visitor identity: issuing and recognising tokens, and host-site identification. */
export class VisitorService {
  /** New visitors per IP: across nodes with the app's shared limits, or a flood spread over N nodes gets N× as many. */
  private readonly newVisitorsPerIp: RateLimit;

  constructor(
    private readonly visitors: Stores['visitors'],
    /** Hellos write (a new visitor, or last-seen): through the writer thread's group commit, not one fsync each. */
    private readonly writer: Writer<ChatWrites>,
    private readonly clock: Clock,
    private readonly identitySecret: string,
    limits: RateLimits,
  ) {
    this.newVisitorsPerIp = limits({ name: 'new-visitor-ip', limit: 60, windowMs: 60 * 60 * 1000 });
  }

  /**
   * Finds the visitor behind `input.token`, or creates one with a fresh token. The write goes through the
   * writer thread: when thousands of widgets reconnect at once (a deploy, a network blip), their hellos share
   * a few commits instead of taking one fsync each in turn with the event loop blocked.
   */
  async resume(input: VisitorHelloInput, ip: string): Promise<{ visitor: VisitorRow; token: string }> {
    const now = this.clock.now();
    if (input.token) {
      const visitor = await this.visitors.findByTokenHash(sha256(input.token));
      if (visitor) {
        await this.writer.run('visitorTouch', { visitorId: visitor.id, lang: input.lang ?? null, now });
        return { visitor, token: input.token };
      }
    }
    if (!(await this.newVisitorsPerIp.hit(ip))) {
      throw new AppError('rate_limited', 'Too many new chats from this network. Please try again later.');
    }
    const token = randomToken(24);
    const label = `Visitor ${randomToken(3).toUpperCase().replace(/[-_]/g, 'X')}`;
    const visitor = await this.writer.run('visitorCreate', {
      tokenHash: sha256(token).toString('hex'),
      label,
      lang: input.lang ?? null,
      now,
    });
    return { visitor, token };
  }

  /** The visitor whose widget holds `token` (HTTP routes authenticate a widget by it). */
  async byToken(token: string): Promise<VisitorRow | null> {
    return this.visitors.findByTokenHash(sha256(token));
  }

  async byId(id: number): Promise<VisitorRow | null> {
    return this.visitors.findById(id);
  }

  /** Host-site identification: the signature is HMAC-SHA256(email, site secret), hex. */
  async identify(visitorId: number, input: IdentifyInput): Promise<void> {
    const expected = hmac(this.identitySecret, input.email);
    if (!safeEqual(Buffer.from(input.signature, 'hex'), expected)) {
      throw new AppError('forbidden', 'The identity signature does not match.');
    }
    await this.writer.run('visitorIdentify', { visitorId, email: input.email, name: input.name ?? null });
  }

  /**
   * Keeps an e-mail the visitor left for a reply (unverified). An address the host site vouched for
   * through `identify` is not replaced by an unverified one (the procedure decides, see chat-writes.ts).
   */
  async leaveContact(visitorId: number, input: ContactInput): Promise<void> {
    await this.writer.run('visitorContact', { visitorId, email: input.email, name: input.name ?? null });
  }
}

/** What a host site computes server-side to identify its signed-in user to the widget. */
export function identitySignature(secret: string, email: string): string {
  return hmac(secret, email.trim().toLowerCase()).toString('hex');
}

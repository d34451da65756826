import type { Clock } from './clock';

/**
 * A fixed-window counter per key, in memory of the thread that counts (per-IP verification sends: the
 * writer thread, which runs every send that has an IP; sign-in failures: the main thread). Used for limits
 * that need not survive a restart.
 */
const SWEEP_ABOVE = 10_000;
const SWEEP_EVERY_MS = 60_000;

export class RateLimiter {
  private readonly hits = new Map<string, { count: number; windowStart: number }>();
  /** No sweep before this time: with more live keys than SWEEP_ABOVE, a sweep on every hit would cost O(keys) each. */
  private nextSweepAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Whether `key` is still under its limit (does not count a hit). */
  allowed(key: string): boolean {
    const entry = this.current(key);
    return !entry || entry.count < this.limit;
  }

  /** Counts a hit; returns false when this hit went over the limit. */
  hit(key: string): boolean {
    const entry = this.current(key) ?? { count: 0, windowStart: this.clock.now() };
    entry.count++;
    this.hits.set(key, entry);
    if (this.hits.size > SWEEP_ABOVE && this.clock.now() >= this.nextSweepAt) this.sweep();
    return entry.count <= this.limit;
  }

  /** How long until `key`'s window ends (0 when it has no hits counted). */
  retryAfterMs(key: string): number {
    const entry = this.current(key);
    return entry ? Math.max(0, entry.windowStart + this.windowMs - this.clock.now()) : 0;
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private current(key: string) {
    const entry = this.hits.get(key);
    if (entry && this.clock.now() - entry.windowStart >= this.windowMs) {
      this.hits.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Drops expired keys, at most once per SWEEP_EVERY_MS (or window, if shorter): expired keys are kept at most
   * that much longer. Swept on every hit, a limiter keyed by visitor would walk every live key (one per
   * visitor chatting) for every message and free nothing.
   */
  private sweep(): void {
    const now = this.clock.now();
    this.nextSweepAt = now + Math.min(this.windowMs, SWEEP_EVERY_MS);
    for (const [key, entry] of this.hits) if (now - entry.windowStart >= this.windowMs) this.hits.delete(key);
  }
}

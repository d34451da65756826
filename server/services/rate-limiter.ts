import type { Clock } from '../clock';

/**
 * A fixed-window counter per key, in memory (one server process). Used for limits that need not
 * survive a restart: per-IP verification sends, sign-in failures.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { count: number; windowStart: number }>();

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
    if (this.hits.size > 10_000) this.sweep();
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

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.hits) if (now - entry.windowStart >= this.windowMs) this.hits.delete(key);
  }
}

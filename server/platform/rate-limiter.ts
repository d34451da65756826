import type { Clock } from './clock';

const SWEEP_ABOVE = 10_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * A fixed-window counter per key, synchronous, in memory of the thread that counts. The memory RateLimit
 * below wraps it; used directly where a count must be taken inside a writer-thread transaction (a visitor's
 * message burst) or only guards one node's own sockets (typing). Used for limits that need not survive a
 * restart.
 */
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

  /** Forgets `key`'s hits. */
  reset(key: string): void {
    this.hits.delete(key);
  }

  /** Takes back one hit of `key`'s current window (see RateLimit.undo). */
  undo(key: string): void {
    const entry = this.current(key);
    if (entry && entry.count > 0) entry.count--;
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

/**
 * One limit (`limit` hits per fixed window of `windowMs`), counted wherever the app's limits live: in this
 * process's memory (one node), or in Redis (every node of a cluster sharing one count). Asynchronous because
 * the shared count is a round trip away. A store that does not answer rejects with an AppError (`internal`,
 * a message for people): a limit never silently stops counting, and never hangs its caller.
 */
export interface RateLimit {
  /** Counts a hit; resolves false when this hit went over the limit. */
  hit(key: string): Promise<boolean>;
  /** Whether `key` is still under its limit (does not count a hit). */
  allowed(key: string): Promise<boolean>;
  /** How long until `key`'s window ends (0 when it has no hits counted). */
  retryAfterMs(key: string): Promise<number>;
  /** Forgets `key`'s hits (a successful sign-in clears its failures). */
  reset(key: string): Promise<void>;
  /**
   * Takes back one hit of `key`'s current window, for a hit counted before the work it limits turned out
   * not to happen (a code send refused for another reason). Never below zero; nothing once the window is over.
   */
  undo(key: string): Promise<void>;
}

/** What one limit is: its name (part of its keys in a shared store, so two limits never share a count), its limit and window. */
export interface RateLimitSpec {
  name: string;
  limit: number;
  windowMs: number;
}

/** Makes the app's limits; chosen once at start (app.ts) and passed to the services that limit. */
export type RateLimits = (spec: RateLimitSpec) => RateLimit;

/** Limits in this process's memory, on `clock` (tests move it): what one node needs, and the default. */
export function memoryRateLimits(clock: Clock): RateLimits {
  return ({ limit, windowMs }) => {
    const counter = new RateLimiter(clock, limit, windowMs);
    return {
      hit: async (key) => counter.hit(key),
      allowed: async (key) => counter.allowed(key),
      retryAfterMs: async (key) => counter.retryAfterMs(key),
      reset: async (key) => counter.reset(key),
      undo: async (key) => counter.undo(key),
    };
  };
}

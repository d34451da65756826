import { describe, expect, test } from 'vitest';
import { RateLimiter } from '../../server/platform/rate-limiter';

class Clock {
  t = Date.UTC(2026, 10, 30, 12, 0, 0);
  now(): number {
    return this.t;
  }
}

/** The limiter's live keys (its memory), read through the one public effect they have. */
function liveKeys(limiter: RateLimiter, keys: string[]): number {
  return keys.filter((k) => limiter.retryAfterMs(k) > 0).length;
}

describe('RateLimiter with many keys', () => {
  test('counts each of 20,000 live keys on its own, and limits each at its limit', () => {
    const clock = new Clock();
    const limiter = new RateLimiter(clock, 2, 60_000);
    const keys = Array.from({ length: 20_000 }, (_, i) => `visitor-${i}`);
    for (const k of keys) expect(limiter.hit(k)).toBe(true);
    for (const k of keys) expect(limiter.hit(k)).toBe(true);
    for (const k of keys.slice(0, 100)) expect(limiter.hit(k)).toBe(false);
    expect(liveKeys(limiter, keys)).toBe(20_000);
  });

  test('expired keys are dropped by a later sweep, and a key counts from zero again after its window', () => {
    const clock = new Clock();
    const limiter = new RateLimiter(clock, 1, 1_000);
    const keys = Array.from({ length: 10_001 }, (_, i) => `ip-${i}`);
    for (const k of keys) limiter.hit(k);
    expect(limiter.hit(keys[0])).toBe(false);
    clock.t += 1_000;
    // Past the window every key is free again, whether the sweep has run or not.
    expect(limiter.hit(keys[0])).toBe(true);
    expect(liveKeys(limiter, keys)).toBe(1);
  });
});

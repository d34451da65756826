import { createHmac } from 'node:crypto';
import type Redis from 'ioredis';
import { AppError } from '../../shared/errors';
import type { RateLimit, RateLimits } from './rate-limiter';

/** Every limit key of this app in Redis starts with this: `cw:limit:<limit name>:<hashed key>`. */
export const LIMIT_KEY_PREFIX = 'cw:limit:';

/**
 * One hit, atomically: the first hit of a window starts the window (PEXPIRE), every hit counts (INCR).
 * In one script so that no node can see a count whose window was never set (a crash between two commands
 * would leave a key that never expires, a lockout for good). A key found without an expiry (written by
 * hand, say) gets the window too. Returns the count and the window's remaining milliseconds.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`;

/** One hit taken back, within the window it was counted in: a key that is gone (window over) is not brought back. */
const UNDO_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
`;

/** What a caller is told while Redis does not answer: the limit cannot be checked, so the action waits. */
const UNAVAILABLE = 'This is not available for a moment (a service it needs does not answer). Please try again shortly.';

type LimitRedis = Redis & {
  cwLimitHit(key: string, windowMs: number): Promise<number>;
  cwLimitUndo(key: string): Promise<number>;
};

/**
 * Limits counted in Redis, shared by every node that uses the same Redis: N nodes allow what one does,
 * not N times as much. Windows are Redis's own (PEXPIRE/PTTL), so nodes' clocks need not agree.
 *
 * Keys are e-mail addresses, IP addresses, ids: stored as HMAC-SHA256(`keySecret`, key), never in clear.
 * Every node must use the same `keySecret` or they count apart.
 *
 * While Redis does not answer (the client's command timeout bounds the wait, see redis.ts), every call
 * rejects with AppError `internal` and a message for people: limits fail closed. A sign-in lockout that
 * could not count would let a password guesser go on unchecked; refusing for the minutes Redis is away
 * is the lesser harm, and the callers' users see a clear "try again shortly", not a hang.
 */
export function redisRateLimits(redis: Redis, keySecret: string | Buffer): RateLimits {
  if (!('cwLimitHit' in redis)) {
    redis.defineCommand('cwLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    redis.defineCommand('cwLimitUndo', { numberOfKeys: 1, lua: UNDO_SCRIPT });
  }
  const client = redis as LimitRedis;
  return ({ name, limit, windowMs }): RateLimit => {
    const keyOf = (key: string) => `${LIMIT_KEY_PREFIX}${name}:${createHmac('sha256', keySecret).update(key).digest('base64url')}`;
    return {
      hit: (key) => unavailableOnError(async () => (await client.cwLimitHit(keyOf(key), windowMs)) <= limit),
      allowed: (key) => unavailableOnError(async () => Number((await client.get(keyOf(key))) ?? 0) < limit),
      // -2 (no key) and -1 (no expiry: the next hit sets it) both mean "nothing to wait for".
      retryAfterMs: (key) => unavailableOnError(async () => Math.max(0, await client.pttl(keyOf(key)))),
      reset: (key) =>
        unavailableOnError(async () => {
          await client.del(keyOf(key));
        }),
      undo: (key) =>
        unavailableOnError(async () => {
          await client.cwLimitUndo(keyOf(key));
        }),
    };
  };
}

/** Redis's failure (timeout, connection down, a refused command) as the AppError every caller already maps to an answer. */
async function unavailableOnError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch {
    // The reason is logged once by the connection (redis.ts), not per call; the caller's user gets words, not its text.
    throw new AppError('internal', UNAVAILABLE);
  }
}

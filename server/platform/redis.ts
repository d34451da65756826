import type Redis from 'ioredis';
import type { Logger } from 'pino';

/** How long a start waits for Redis to answer before it fails. */
const READY_WITHIN_MS = 10_000;
/**
 * How long one command may wait for its answer, queued while the client reconnects included. ioredis queues
 * commands while it is disconnected and would hold them until it is back; a sign-in must get an answer
 * (a refusal) in seconds instead.
 */
const COMMAND_TIMEOUT_MS = 2_000;

/** The name the app's connections give Redis (CLIENT LIST shows it): the operator of a shared Redis can tell them apart. */
export const REDIS_CONNECTION_NAME = 'chat-widget';

/** The app's connection to Redis (REDIS_URL): opened at start, closed at shutdown. */
export interface RedisConnection {
  client: Redis;
  /** `host:port`, for messages and logs: never the URL, which may carry a password. */
  where: string;
  close(): Promise<void>;
}

/** `host:port` of a redis:// or rediss:// URL, without user or password. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}

/**
 * Connects to the Redis at `url` and resolves once it answers; rejects within `readyWithinMs` with an error
 * naming host:port (never the password) when it does not, so the server does not start half-shared. After
 * that the client reconnects by itself whenever the connection drops; commands meanwhile fail after
 * COMMAND_TIMEOUT_MS (callers turn that into a clear refusal) and the outage is logged once, not per command.
 */
export async function openRedis(
  url: string,
  log: Logger,
  options: { readyWithinMs?: number; commandTimeoutMs?: number } = {},
): Promise<RedisConnection> {
  const where = redisAddress(url);
  const readyWithinMs = options.readyWithinMs ?? READY_WITHIN_MS;
  // Loaded here, not at the top: a server without REDIS_URL never loads the client at all.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    // Every connection of the app (the adapter's and the subscribers' are copies of this one) says whose it is.
    connectionName: REDIS_CONNECTION_NAME,
    lazyConnect: true,
    connectTimeout: Math.min(5_000, readyWithinMs),
    commandTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    // A command waits through one reconnect attempt at most, then fails (the timeout above bounds it too).
    maxRetriesPerRequest: 1,
    // Back within a second of Redis being back, without hammering a Redis that is away.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  let lastError: Error | null = null;
  let started = false;
  let down = false;
  client.on('error', (error: Error) => {
    lastError = error;
    // Once per outage (every reconnect attempt fails the same way); before the first answer the start reports it.
    if (!started || down) return;
    down = true;
    log.error({ redis: where, reason: describe(error) }, 'redis: connection lost; shared limits refuse until it is back');
  });
  client.on('ready', () => {
    if (down) log.info({ redis: where }, 'redis: connected again');
    down = false;
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const reason = lastError ? ` (${describe(lastError)})` : '';
        reject(new Error(`REDIS_URL: Redis at ${where} did not answer within ${readyWithinMs / 1000} s${reason}`));
      }, readyWithinMs);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      // connect() rejects on the first failed attempt; the retry strategy keeps trying until the timer fires.
      client.connect().catch(() => {});
    });
  } catch (error) {
    client.disconnect();
    throw error;
  }
  started = true;
  log.info({ redis: where }, 'redis: connected');
  return {
    client,
    where,
    async close() {
      try {
        await client.quit();
      } catch {
        // Already away: nothing to say goodbye to.
        client.disconnect();
      }
    },
  };
}

/** An error's code or first line, for a log or a start failure: ioredis's messages name the address, never the password. */
function describe(error: Error): string {
  const code = (error as { code?: string }).code;
  return code ?? error.message.split('\n')[0];
}

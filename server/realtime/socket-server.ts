import type http from 'node:http';
import type { Redis } from 'ioredis';
import { Server, type ServerOptions } from 'socket.io';
import { tuneEngine } from './engine-tuning';

const MAX_FRAME_BYTES = 64 * 1024;

/** Packets kept in the stream for a node that lost Redis for a moment to read on reconnecting. */
const STREAM_MAX_LEN = 100_000;

/**
 * The Socket.IO server on `server`: frames up to 64 KB (a bigger one closes that connection), and
 * connections only from our own origin or a site listed in ALLOWED_ORIGINS. `adapter`: a cluster's
 * (redisStreamsAdapter below); without one, rooms are this process's.
 */
export function createSocketServer(
  server: http.Server,
  options: { secure: boolean; allowedOrigins: string[]; adapter?: ServerOptions['adapter'] },
): Server {
  const io = new Server(server, {
    adapter: options.adapter,
    maxHttpBufferSize: MAX_FRAME_BYTES,
    cors: options.allowedOrigins.length ? { origin: options.allowedOrigins, credentials: false } : undefined,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      const own = `${options.secure ? 'https' : 'http'}://${req.headers.host}`;
      callback(null, !origin || origin === own || options.allowedOrigins.includes(origin));
    },
  });
  tuneEngine(io);
  return io;
}

/** The cluster's adapter and the connections to Redis it opened. */
export interface ClusterAdapter {
  adapter: NonNullable<ServerOptions['adapter']>;
  /**
   * Closes every connection the adapter opened, after `io.close()`: with Redis there, what this node
   * published last is written first (a quit, bounded by `withinMs`); with Redis away, at once.
   */
  close(withinMs: number): Promise<void>;
}

/**
 * Rooms that span every node through Redis streams (REDIS_URL): a packet broadcast on one node reaches
 * sockets on all of them, and a node whose Redis connection dropped reads what it missed from the stream
 * when it is back (the Pub/Sub adapter would drop it). A node that dies loses nothing either way: its
 * clients reconnect to another node and catch up by sequence. `redis` is a connection of the adapter's
 * own (app.ts; its commands wait through an outage); the package is loaded only for a cluster.
 */
export async function redisStreamsAdapter(redis: Redis): Promise<ClusterAdapter> {
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  // The adapter opens its reading and subscribing connections with duplicate() and closes its reader only
  // once a blocked read returns: with Redis gone, never, and the copy reconnects for ever after the node has
  // stopped. Keeping every copy lets close() end them itself.
  const connections: Redis[] = [redis];
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => {
    const copy = duplicate(override);
    connections.push(copy);
    return copy;
  };
  // The app's own client reports an outage once (platform/redis.ts); without a listener ioredis would print
  // every failed reconnect of this one to stderr.
  redis.on('error', () => {});
  const adapter = createAdapter(redis, {
    streamName: 'cw:socket.io',
    channelPrefix: 'cw:socket.io',
    maxLen: STREAM_MAX_LEN,
    // A blocked read returns within a second, so a node's reader sees new entries promptly after a reconnect.
    blockTimeInMs: 1_000,
  });
  return {
    adapter,
    async close(withinMs) {
      // Ready: QUIT is answered after the broadcasts queued before it. Not ready: the queue would wait for a
      // Redis that may never be back (this connection has no command timeout), so it is dropped; consoles
      // on other nodes catch those messages up by sequence at the conversation's next change.
      if (redis.status === 'ready') {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          redis.quit().catch(() => {}),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, withinMs);
          }),
        ]);
        clearTimeout(timer);
      }
      for (const connection of connections) connection.disconnect();
    },
  };
}

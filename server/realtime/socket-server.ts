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

/**
 * Rooms that span every node through Redis streams (REDIS_URL): a packet broadcast on one node reaches
 * sockets on all of them, and a node whose Redis connection dropped reads what it missed from the stream
 * when it is back (the Pub/Sub adapter would drop it). A node that dies loses nothing either way: its
 * clients reconnect to another node and catch up by sequence. `redis` is a connection of the adapter's
 * own (app.ts); the package is loaded only for a cluster.
 */
export async function redisStreamsAdapter(redis: Redis): Promise<NonNullable<ServerOptions['adapter']>> {
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  return createAdapter(redis, {
    streamName: 'cw:socket.io',
    channelPrefix: 'cw:socket.io',
    maxLen: STREAM_MAX_LEN,
    // Its reading connection closes once a blocked read returns: a stopping node leaves within a second.
    blockTimeInMs: 1_000,
  });
}

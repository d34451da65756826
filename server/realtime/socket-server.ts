import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { tuneEngine } from './engine-tuning';

const MAX_FRAME_BYTES = 64 * 1024;

/** Packets kept in the stream for a node that lost Redis for a moment to read on reconnecting. */
const STREAM_MAX_LEN = 100_000;

/**
 * The Socket.IO server on `server`: frames up to 64 KB (a bigger one closes that connection), and
 * connections only from our own origin or a site listed in ALLOWED_ORIGINS.
 *
 * With `adapterRedis` (a cluster; a connection of the adapter's own, see app.ts), rooms span every node
 * through Redis streams: a packet broadcast on one node reaches sockets on all of them, and a node whose Redis connection dropped reads what it missed from the
 * stream when it is back (the Pub/Sub adapter would drop it). A node that died loses nothing either way:
 * its clients reconnect to another node and catch up by sequence.
 */
export function createSocketServer(
  server: http.Server,
  options: { secure: boolean; allowedOrigins: string[]; adapterRedis: Redis | null },
): Server {
  const io = new Server(server, {
    adapter: options.adapterRedis
      ? createAdapter(options.adapterRedis, {
          streamName: 'cw:socket.io',
          channelPrefix: 'cw:socket.io',
          maxLen: STREAM_MAX_LEN,
          // Its reading connection closes once a blocked read returns: a stopping node leaves within a second.
          blockTimeInMs: 1_000,
        })
      : undefined,
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

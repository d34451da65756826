import type http from 'node:http';
import { Server } from 'socket.io';
import { tuneEngine } from './engine-tuning';

const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The Socket.IO server on `server`: frames up to 64 KB (a bigger one closes that connection), and
 * connections only from our own origin or a site listed in ALLOWED_ORIGINS.
 */
export function createSocketServer(server: http.Server, options: { secure: boolean; allowedOrigins: string[] }): Server {
  const io = new Server(server, {
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

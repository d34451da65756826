import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';

/** The parts of an Engine.IO connection this file touches. */
interface EngineConnection {
  request: { socket: unknown };
  transport: { name: string; send(packets: unknown[]): void };
}

/**
 * Per-connection tuning of the Engine.IO layer under Socket.IO, measured with `npm run bench`
 * (test/bench/RESULTS.md has the before/after figures):
 *
 * - **One write per batch.** While a WebSocket write is in flight Engine.IO queues further packets and then
 *   sends the queue frame by frame, and every frame became its own `writev` system call. An operator gets
 *   two packets for every visitor message in the inbox, so at 2,000 messages/s twenty consoles meant
 *   ~80,000 system calls a second, and `writev` was the largest item in the server's CPU profile. Corking
 *   the TCP socket around the queue's send turns each queue into one call.
 */
export function tuneEngine(io: Server): void {
  io.engine.on('connection', (connection: EngineConnection) => {
    const tcp = connection.request.socket as TcpSocket;
    const transport = connection.transport;
    // Polling connections are left alone: their packets already leave in one HTTP response.
    if (transport.name === 'websocket') {
      const send = transport.send.bind(transport);
      transport.send = (packets) => {
        if (packets.length < 2 || tcp.destroyed) return send(packets);
        tcp.cork();
        try {
          send(packets);
        } finally {
          tcp.uncork();
        }
      };
    }
  });
}

import type { Socket } from 'socket.io';
import { abuseKey } from '../platform/ip';

/**
 * A socket's client address as Express finds req.ip: from the connection back through X-Forwarded-For
 * while each hop is a trusted proxy (the leftmost entry is whatever the client wrote; trusting it would let
 * anyone dodge limits). Only the abuse unit (an IPv4 address or an IPv6 /64) is returned, and it goes
 * only into rate limits: in memory, or with REDIS_URL as an HMAC in a Redis key, never in clear.
 */
export function clientIpOf(trustedHop: (address: string, hop: number) => boolean): (socket: Socket) => string {
  return (socket) => {
    const forwarded = String(socket.handshake.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean)
      .reverse();
    const chain = [socket.handshake.address, ...forwarded];
    let hop = 0;
    while (hop < chain.length - 1 && trustedHop(chain[hop], hop)) hop++;
    return abuseKey(chain[hop]);
  };
}

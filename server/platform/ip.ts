import net from 'node:net';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is the IPv4 address it wraps. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1] : trimmed;
}

/** The eight 16-bit groups of an IPv6 address (with `::` expanded and a trailing dotted IPv4 converted). */
function ipv6Groups(ip: string): number[] {
  let address = ip.split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    address = `${address.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const zeros = tail === undefined ? [] : new Array(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

function ipv6Prefix(ip: string, groups: number): string {
  return `${ipv6Groups(ip)
    .slice(0, groups)
    .map((g) => g.toString(16))
    .join(':')}::`;
}

/**
 * The form in which an IP address may be kept (in the database or a log line): IPv4 cut to its /24,
 * IPv6 to its /48 — enough to see that abuse came from one network, not enough to single out a person.
 * Anything that is not an IP address comes back as `unknown`.
 */
export function truncateIp(ip: string): string {
  const address = normalizeIp(ip);
  if (net.isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (net.isIPv6(address)) return `${ipv6Prefix(address, 3)}/48`;
  return 'unknown';
}

/**
 * The unit in-memory abuse limits count by: one IPv4 address (many people share one behind NAT, so a
 * wider unit would punish neighbours), and one IPv6 /64 (the block a single subscriber or host is
 * given, inside which a client can pick fresh addresses at will). Held only in memory, never stored.
 */
export function abuseKey(ip: string): string {
  const address = normalizeIp(ip);
  if (net.isIPv4(address)) return address;
  if (net.isIPv6(address)) return `${ipv6Prefix(address, 4)}/64`;
  return 'unknown';
}

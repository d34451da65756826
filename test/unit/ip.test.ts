import { describe, expect, test } from 'vitest';
import { abuseKey, truncateIp } from '../../server/platform/ip';

describe('IP addresses kept only truncated', () => {
  test('an IPv4 address is kept as its /24', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateIp('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
  });

  test('an IPv6 address is kept as its /48, whatever its spelling', () => {
    expect(truncateIp('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48');
    expect(truncateIp('2001:0db8:abcd:0012::1')).toBe('2001:db8:abcd::/48');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(truncateIp('::1')).toBe('0:0:0::/48');
    expect(truncateIp('fe80::1%eth0')).toBe('fe80:0:0::/48');
  });

  test('anything that is not an address is unknown, never echoed', () => {
    expect(truncateIp('')).toBe('unknown');
    expect(truncateIp('alice@example.test')).toBe('unknown');
    expect(abuseKey('not an ip')).toBe('unknown');
  });
});

describe('the unit abuse limits count by', () => {
  test('is one IPv4 address, so neighbours behind other addresses of a /24 are not punished', () => {
    expect(abuseKey('198.51.100.7')).toBe('198.51.100.7');
    expect(abuseKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(abuseKey('198.51.100.8')).not.toBe(abuseKey('198.51.100.7'));
  });

  test('is one IPv6 /64, so a host cannot escape a limit by picking fresh addresses in its block', () => {
    expect(abuseKey('2001:db8:1:2::1')).toBe(abuseKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(abuseKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(abuseKey('2001:db8:1:3::1')).not.toBe(abuseKey('2001:db8:1:2::1'));
  });
});

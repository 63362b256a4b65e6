import { describe, expect, it } from 'vitest';
import { ipMatches, parseIp, parseIpRange } from '../../src/core/ip-match.js';

describe('ipMatches', () => {
  const table: Array<[address: string, entry: string, expected: boolean]> = [
    // exact IPv4
    ['10.0.0.1', '10.0.0.1', true],
    ['10.0.0.2', '10.0.0.1', false],
    // IPv4 CIDR
    ['10.0.0.200', '10.0.0.0/24', true],
    ['10.0.1.1', '10.0.0.0/24', false],
    ['192.168.1.77', '192.168.1.64/26', true],
    ['192.168.1.128', '192.168.1.64/26', false],
    ['172.31.255.255', '172.16.0.0/12', true],
    ['172.32.0.0', '172.16.0.0/12', false],
    ['8.8.8.8', '0.0.0.0/0', true],
    ['10.0.0.9', '10.0.0.5/24', true], // host bits in the entry are ignored
    ['10.0.0.1', '10.0.0.1/32', true],
    ['10.0.0.0', '10.0.0.1/32', false],
    // IPv6
    ['2001:db8::1', '2001:db8::1', true],
    ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', true],
    ['2001:db8::2', '2001:db8::1', false],
    ['2001:db8:0:ffff::1', '2001:db8::/48', true],
    ['2001:db8:1::1', '2001:db8::/48', false],
    ['2001:db8::8000', '2001:db8::/113', false],
    ['2001:db8::7fff', '2001:db8::/113', true],
    ['::1', '::1', true],
    ['::1', '::/0', true],
    ['fe80::1', '::1/128', false],
    // IPv4-mapped IPv6 (dual-stack sockets) is the IPv4 address
    ['::ffff:10.0.0.7', '10.0.0.0/24', true],
    ['::ffff:10.0.1.7', '10.0.0.0/24', false],
    ['::ffff:a00:7', '10.0.0.0/24', true],
    ['10.0.0.7', '::ffff:10.0.0.7', true],
    ['10.0.0.7', '::ffff:10.0.0.0/120', true],
    ['10.0.1.7', '::ffff:10.0.0.0/120', false],
    // families never match each other
    ['10.0.0.1', '::/0', false],
    ['2001:db8::1', '0.0.0.0/0', false],
    // invalid input never matches
    ['not-an-ip', '10.0.0.0/8', false],
    ['10.0.0.1', 'not-a-range', false],
    ['10.0.0.1', '10.0.0.0/33', false],
    ['10.0.0.1', '10.0.0.0/', false],
    ['10.0.0.1', '10.0.0.0/8/8', false],
    ['2001:db8::1', '2001:db8::/129', false],
    ['fe80::1%eth0', 'fe80::/10', false],
    ['', '0.0.0.0/0', false],
  ];

  it.each(table)('%s in %s → %s', (address, entry, expected) => {
    expect(ipMatches(address, entry)).toBe(expected);
  });
});

describe('parseIpRange / parseIp', () => {
  it('gives the full prefix for a single address', () => {
    expect(parseIpRange('10.1.2.3')?.prefix).toBe(32);
    expect(parseIpRange('2001:db8::1')?.prefix).toBe(128);
  });

  it('moves a mapped range prefix onto the IPv4 address and refuses one below ::ffff:0:0/96', () => {
    expect(parseIpRange('::ffff:10.0.0.0/104')).toEqual({ bytes: Uint8Array.from([10, 0, 0, 0]), prefix: 8 });
    expect(parseIpRange('::ffff:10.0.0.0/80')).toBeUndefined();
  });

  it('reads IPv6 with an embedded IPv4 tail', () => {
    expect([...(parseIp('64:ff9b::192.0.2.33') ?? [])]).toEqual([
      0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 33,
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import type { MxResolver } from '../../../src/transports/smtp/mx-resolver.js';

const noDns: MxResolver = {
  resolveMx: () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })),
  resolve4: () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })),
  resolve6: () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })),
};

describe('target guard: which addresses are inside', () => {
  const guard = createTargetGuard({ allow: [], resolver: noDns });
  const inside: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::127.0.0.1', 'loopback'],
    ['::10.0.0.1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['100::1', 'reserved'],
  ];
  it.each(inside)('refuses %s (%s)', (address, reason) => {
    expect(guard.refusal(address)).toBe(reason);
  });
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2a00:1450:4001::1',
    '2002:808:808::1',
    '64:ff9b::808:808',
    '::ffff:8.8.8.8',
  ])('allows public %s', (address) => {
    expect(guard.refusal(address)).toBeUndefined();
  });
  it('lets the operator allow ranges, also in their mapped and embedded forms', () => {
    const allowing = createTargetGuard({ allow: ['127.0.0.0/8', '10.9.0.0/16'], resolver: noDns });
    expect(allowing.refusal('127.0.0.1')).toBeUndefined();
    expect(allowing.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(allowing.refusal('10.9.1.1')).toBeUndefined();
    expect(allowing.refusal('10.8.1.1')).toBe('private');
    expect(allowing.refusal('::1')).toBe('loopback');
  });
  it('resolves once and answers with the addresses that passed; refuses when none did', async () => {
    const calls: string[] = [];
    const resolver: MxResolver = {
      ...noDns,
      resolve4: async (h) => {
        calls.push(h);
        return h === 'mixed.test' ? ['127.0.0.1', '8.8.4.4'] : ['10.0.0.5'];
      },
      resolve6: async () => {
        throw Object.assign(new Error('none'), { code: 'ENODATA' });
      },
    };
    const g = createTargetGuard({ allow: [], resolver });
    await expect(g.resolve('mixed.test')).resolves.toEqual(['8.8.4.4']);
    await expect(g.resolve('inside.test')).rejects.toMatchObject({ code: 'ETARGET' });
    await expect(g.resolve('[127.0.0.1]')).rejects.toMatchObject({ code: 'ETARGET' });
    await expect(g.resolve('8.8.8.8')).resolves.toEqual(['8.8.8.8']);
    await expect(createTargetGuard({ allow: [], resolver: noDns }).resolve('gone.test')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
    expect(calls).toEqual(['mixed.test', 'inside.test']);
  });
});

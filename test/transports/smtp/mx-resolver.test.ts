import { describe, expect, it } from 'vitest';
import { resolveTargets, systemResolver, type MxResolver } from '../../../src/transports/smtp/mx-resolver.js';
import { replyLine } from '../../../src/core/smtp-reply.js';

const fail = (code: string) => Promise.reject(Object.assign(new Error(code), { code }));

function resolver(parts: Partial<MxResolver>): MxResolver {
  return {
    resolveMx: parts.resolveMx ?? (() => fail('ENODATA')),
    resolve4: parts.resolve4 ?? (() => fail('ENODATA')),
    resolve6: parts.resolve6 ?? (() => fail('ENODATA')),
  };
}

describe('resolveTargets', () => {
  it('orders MX hosts by preference, IPv4 before IPv6 within a host', async () => {
    const plan = await resolveTargets(
      resolver({
        resolveMx: async () => [
          { exchange: 'c.test', priority: 30 },
          { exchange: 'a.test', priority: 10 },
          { exchange: 'b.test', priority: 20 },
        ],
        resolve4: async (host) => (host === 'a.test' ? ['127.0.0.1'] : host === 'b.test' ? ['127.0.0.2'] : []),
        resolve6: async (host) => (host === 'a.test' ? ['::1'] : []),
      }),
      'dest.test',
    );
    expect(plan).toEqual({
      kind: 'targets',
      targets: [
        { name: 'a.test', address: '127.0.0.1' },
        { name: 'a.test', address: '::1' },
        { name: 'b.test', address: '127.0.0.2' },
      ],
    });
  });

  it('uses the domain itself when it has no MX (ENODATA or an empty answer)', async () => {
    const a = async (host: string) => (host === 'dest.test' ? ['127.0.0.1'] : []);
    expect(await resolveTargets(resolver({ resolve4: a }), 'dest.test')).toEqual({
      kind: 'targets',
      targets: [{ name: 'dest.test', address: '127.0.0.1' }],
    });
    expect(await resolveTargets(resolver({ resolveMx: async () => [], resolve4: a }), 'dest.test')).toEqual({
      kind: 'targets',
      targets: [{ name: 'dest.test', address: '127.0.0.1' }],
    });
  });

  it('bounces a null MX with 556 5.1.10', async () => {
    const plan = await resolveTargets(
      resolver({ resolveMx: async () => [{ exchange: '', priority: 0 }] }),
      'nomail.test',
    );
    expect(plan).toMatchObject({ kind: 'fail', outcome: 'bounced' });
    expect(plan.kind === 'fail' && replyLine(plan.reply)).toMatch(/^556 5\.1\.10 /);
  });

  it('bounces a domain that does not exist, defers a DNS failure', async () => {
    expect(await resolveTargets(resolver({ resolveMx: () => fail('ENOTFOUND') }), 'nx.test')).toMatchObject({
      kind: 'fail',
      outcome: 'bounced',
    });
    expect(await resolveTargets(resolver({ resolveMx: () => fail('ESERVFAIL') }), 'x.test')).toMatchObject({
      kind: 'fail',
      outcome: 'deferred',
    });
    expect(await resolveTargets(resolver({ resolveMx: () => fail('ETIMEOUT') }), 'x.test')).toMatchObject({
      kind: 'fail',
      outcome: 'deferred',
    });
  });

  it('defers when the MX hosts cannot be resolved for now, bounces when they have no address', async () => {
    const mx = async () => [{ exchange: 'mx.test', priority: 0 }];
    expect(await resolveTargets(resolver({ resolveMx: mx, resolve4: () => fail('ETIMEOUT') }), 'x.test')).toMatchObject(
      { kind: 'fail', outcome: 'deferred' },
    );
    expect(await resolveTargets(resolver({ resolveMx: mx }), 'x.test')).toMatchObject({
      kind: 'fail',
      outcome: 'bounced',
    });
  });

  it('skips an MX host without addresses and takes IP literals as they are', async () => {
    const plan = await resolveTargets(
      resolver({
        resolveMx: async () => [
          { exchange: 'broken.test', priority: 0 },
          { exchange: '127.0.0.1', priority: 5 },
        ],
      }),
      'x.test',
    );
    expect(plan).toEqual({ kind: 'targets', targets: [{ name: '127.0.0.1', address: '127.0.0.1' }] });
    expect(await resolveTargets(resolver({}), '[127.0.0.1]')).toEqual({
      kind: 'targets',
      targets: [{ name: '[127.0.0.1]', address: '127.0.0.1' }],
    });
  });

  it('looks up IDN domains in their ASCII form', async () => {
    const seen: string[] = [];
    await resolveTargets(
      resolver({
        resolveMx: async (d) => {
          seen.push(d);
          return [{ exchange: '127.0.0.1', priority: 0 }];
        },
      }),
      'münchen.test',
    );
    expect(seen).toEqual(['xn--mnchen-3ya.test']);
  });

  it('builds a system resolver for a host:port server without querying it', () => {
    const r = systemResolver('127.0.0.1:5353');
    expect(typeof r.resolveMx).toBe('function');
  });
});

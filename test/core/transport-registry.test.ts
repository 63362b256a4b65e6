import { smtpReply } from '../../src/core/smtp-reply.js';
import { describe, expect, it } from 'vitest';
import { createTransportRegistry } from '../../src/core/transport-registry.js';
import type { Transport } from '../../src/core/types.js';

const transport = (name: string): Transport => ({
  name,
  send: async () => ({ recipients: [] }),
  close: async () => undefined,
});

describe('transport registry', () => {
  it('sends each route kind through the transport registered for it, and lists each transport once', () => {
    const smarthost = transport('smarthost');
    const suppressed = transport('suppressed');
    const relay = transport('relay');
    const registry = createTransportRegistry();
    registry.register('smarthost', smarthost);
    registry.register('suppressed', suppressed);
    registry.register('relay', relay);
    expect(registry.transportFor({ kind: 'suppressed', reply: smtpReply(550, '5.1.1', 'x') })).toBe(suppressed);
    expect(registry.transportFor({ kind: 'smarthost', name: 'default' })).toBe(smarthost);
    expect(registry.all()).toEqual([smarthost, suppressed, relay]);
  });

  it('refuses a kind registered twice, and a route nobody serves with a clear E_TRANSPORT', () => {
    const registry = createTransportRegistry();
    registry.register('capture', transport('capture'));
    registry.register('smarthost', transport('smarthost'));
    expect(() => registry.register('capture', transport('other'))).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    expect(() => registry.transportFor({ kind: 'direct', domain: 'x.test' })).toThrow(
      expect.objectContaining({ code: 'E_TRANSPORT', message: 'no transport configured for route direct' }),
    );
  });
});

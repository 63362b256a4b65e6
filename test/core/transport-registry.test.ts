import { smtpReply } from '../../src/core/smtp-reply.js';
import { describe, expect, it } from 'vitest';
import { createTransportRegistry, type TransportTable } from '../../src/core/transport-registry.js';
import type { Transport } from '../../src/core/types.js';

const transport = (name: string): Transport => ({
  name,
  send: async () => ({ recipients: [] }),
  close: async () => undefined,
});

describe('transport registry', () => {
  it('sends a registered kind through its transport and every other kind through the default table', () => {
    const smarthost = transport('smarthost');
    const suppressed = transport('suppressed');
    const table: TransportTable = Object.assign(() => smarthost, { all: () => [smarthost] });
    const registry = createTransportRegistry();
    registry.registerDefault(table);
    registry.register('suppressed', suppressed);
    expect(registry.transportFor({ kind: 'suppressed', reply: smtpReply(550, '5.1.1', 'x') })).toBe(suppressed);
    expect(registry.transportFor({ kind: 'smarthost', name: 'default' })).toBe(smarthost);
    expect(registry.all()).toEqual([suppressed, smarthost]);
  });

  it('refuses a kind registered twice, and a route nobody serves', () => {
    const registry = createTransportRegistry();
    registry.register('capture', transport('capture'));
    expect(() => registry.register('capture', transport('other'))).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    expect(() => registry.transportFor({ kind: 'direct', domain: 'x.test' })).toThrow(
      expect.objectContaining({ code: 'E_TRANSPORT' }),
    );
  });
});

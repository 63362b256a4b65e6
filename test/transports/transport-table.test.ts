import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Transport } from '../../src/core/types.js';
import { buildTransports } from '../../src/transports/transport-table.js';
import { testConfig } from '../helpers/gateway-harness.js';

const logger = pino({ level: 'silent' });
const hops = { onHopFailure: () => undefined, onHopOk: () => undefined };

async function kindsBuilt(delivery: Record<string, unknown>, gmail?: Transport): Promise<string[]> {
  const built = buildTransports(testConfig('/nonexistent', 2525, { delivery }), logger, { ...hops, gmail });
  await Promise.all([...built.values()].map((t) => t.close()));
  return [...built.keys()].sort();
}

describe('transport table', () => {
  it('builds one transport per route kind the config serves, and none for the others', async () => {
    expect(await kindsBuilt({ mode: 'smarthost' })).toEqual(['relay', 'smarthost']);
    expect(await kindsBuilt({ mode: 'direct' })).toEqual(['direct', 'relay', 'smarthost']);
    const gmail: Transport = { name: 'gmail', send: async () => ({ recipients: [] }), close: async () => undefined };
    expect(await kindsBuilt({ mode: 'smarthost' }, gmail)).toEqual(['gmail', 'relay', 'smarthost']);
  });
});

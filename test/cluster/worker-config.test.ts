import { describe, expect, it } from 'vitest';
import { workerConfig } from '../../src/cluster/worker-config.js';
import { processRole } from '../../src/cluster/process-role.js';
import { configSchema } from '../../src/config/schema.js';

const config = configSchema.parse({ smtp: { maxClients: 1000, maxConnectionsPerIp: 5 } });

describe('a worker process', () => {
  it("takes its share of the machine's maxClients and the whole per-IP limit (never refusing a client in it)", () => {
    const one = workerConfig(config, { index: 1, count: 4 });
    expect(one.smtp.maxClients).toBe(250);
    expect(one.smtp.maxConnectionsPerIp).toBe(5);
    expect(workerConfig(configSchema.parse({ smtp: { maxClients: 3 } }), { index: 0, count: 8 }).smtp.maxClients).toBe(
      1,
    );
    expect(workerConfig(config, undefined)).toBe(config);
  });

  it('on LMDB only worker 0 delivers, serves and runs the jobs; the others announce what they queue', () => {
    expect(processRole(config, { index: 0, count: 2 })).toEqual({
      delivers: true,
      serves: true,
      runsJobs: true,
      announces: false,
    });
    expect(processRole(config, { index: 1, count: 2 })).toEqual({
      delivers: false,
      serves: false,
      runsJobs: false,
      announces: true,
    });
    expect(processRole(config, undefined).delivers).toBe(true);
  });

  it('on PostgreSQL every worker delivers and serves; the jobs on the machine-local LMDB stay with worker 0', () => {
    const shared = configSchema.parse({ store: { backend: 'postgres', postgres: { url: 'postgres://db/x' } } });
    expect(processRole(shared, { index: 1, count: 2 })).toEqual({
      delivers: true,
      serves: true,
      runsJobs: false,
      announces: false,
    });
  });
});

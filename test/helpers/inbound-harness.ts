import type { DiskSpace } from '../../src/store/disk-watermark.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { Metrics } from '../../src/core/metrics.js';
import type { SharedCounts } from '../../src/core/shared-counts.js';
import type { TenantLimits } from '../../src/tenants/tenant-limits-service.js';
import type { QueuedMessage, Tenant, TenantDirectory } from '../../src/core/types.js';
import type { PasswordVerifier } from '../../src/receive/smtp/auth.js';
import { ipInList } from '../../src/core/ip-match.js';
import { createSmtpListener, type SmtpListener } from '../../src/receive/smtp/smtp-listener.js';
import { loadOrCreateTls, type TlsMaterial } from '../../src/receive/smtp/tls-material.js';
import { MemoryQueue } from './memory-queue.js';

/** Shared set-up for the inbound integration tests (not a test file itself). */

export type SmtpConfig = Config['smtp'];
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function smtpConfig(overrides: DeepPartial<SmtpConfig> = {}): SmtpConfig {
  return configSchema.parse({ smtp: overrides }).smtp;
}

export function makeTenant(fields: Partial<Tenant> & Pick<Tenant, 'id'>): Tenant {
  return {
    name: fields.id,
    smtpUsername: `${fields.id}-user`,
    smtpPasswordHash: 'scrypt$invalid',
    allowedIps: [],
    allowPlaintextAuth: false,
    credentialsVersion: 1,
    createdAt: 0,
    updatedAt: 0,
    ...fields,
  };
}

/** An in-memory tenant directory; the allow-list is matched like the real one (exact IP or CIDR). */
export class FakeTenants implements TenantDirectory {
  constructor(readonly tenants: Tenant[] = []) {}
  async byId(id: string): Promise<Tenant | undefined> {
    return this.tenants.find((t) => t.id === id);
  }
  async bySmtpUsername(u: string): Promise<Tenant | undefined> {
    return this.tenants.find((t) => t.smtpUsername === u);
  }
  async byAllowedIp(ip: string): Promise<Tenant | undefined> {
    return this.tenants.find((t) => ipInList(ip, t.allowedIps));
  }
}

/** Metrics that remember what they were told. */
export class RecordingMetrics implements Metrics {
  readonly rejections: string[] = [];
  readonly acceptedSeconds: number[] = [];
  accepted(seconds: number): void {
    this.acceptedSeconds.push(seconds);
  }
  rejected(reason: string): void {
    this.rejections.push(reason);
  }
  delivery(): void {
    /* not inbound's */
  }
}

/** A self-signed certificate made once per test file in a temp folder. */
export async function testTls(): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-inbound-tls-'));
  try {
    return await loadOrCreateTls(join(dir, 'c.pem'), join(dir, 'k.pem'), 'mx.postbode.test', pino({ level: 'silent' }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Running {
  readonly listener: SmtpListener;
  readonly port: number;
  readonly queue: MemoryQueue;
  readonly metrics: RecordingMetrics;
  readonly queued: QueuedMessage[];
  /** Close with a short grace; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly tls: TlsMaterial;
  readonly tenants: TenantDirectory;
  readonly smtp?: DeepPartial<SmtpConfig>;
  readonly implicitTls?: boolean;
  readonly verifyPassword?: PasswordVerifier;
  readonly queue?: MemoryQueue;
  readonly clock?: () => number;
  /** The free-space watermark the listener reads (none: no watermark). */
  readonly disk?: DiskSpace;
  /** Where failed AUTH attempts are counted (none: the listener's own memory). */
  readonly authCounts?: SharedCounts;
  /** Per-tenant limits, and their usage counted when a message is queued (none: no limits). */
  readonly limits?: TenantLimits;
}

export const HOSTNAME = 'mx.postbode.test';

export async function startInbound(opts: StartOptions): Promise<Running> {
  const queue = opts.queue ?? new MemoryQueue();
  const metrics = new RecordingMetrics();
  const queued: QueuedMessage[] = [];
  const listener = createSmtpListener(
    {
      smtp: smtpConfig(opts.smtp),
      hostname: HOSTNAME,
      tls: opts.tls,
      tenants: opts.tenants,
      queue,
      metrics,
      logger: pino({ level: 'silent' }),
      clock: opts.clock ?? (() => Date.now()),
      onQueued: (m) => {
        queued.push(m);
        opts.limits?.usage.accepted(m.tenantId, opts.clock?.() ?? Date.now());
      },
      ...(opts.verifyPassword ? { verifyPassword: opts.verifyPassword } : {}),
      ...(opts.disk ? { disk: opts.disk } : {}),
      ...(opts.authCounts ? { authCounts: opts.authCounts } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
    },
    { implicitTls: opts.implicitTls ?? false },
  );
  const { port } = await listener.listen(0, '127.0.0.1');
  let stopped: Promise<void> | undefined;
  return { listener, port, queue, metrics, queued, stop: () => (stopped ??= listener.close(200)) };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { spawnGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { processEnv } from '../../helpers/process-env.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';

/** A message held for review stays held across kill -9 and a restart, and leaves only once released. */
type Json = Record<string, any>;
const ADMIN = 'review-kill-admin-token-0123456789abcdefghijklmnop';

describe('review hold across kill -9', () => {
  let dataDir: string;
  let sink: Sink;
  let creds: { user: string; pass: string };
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'postbode-review-kill-'));
    sink = await startSink();
    const store = openTenantStore(storageAt(dataDir));
    const { tenant, password } = await addTenant(store, { name: 'Review Kill BV' });
    await store.close();
    creds = { user: tenant.smtpUsername, pass: password };
  });
  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await gateway?.exited();
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    ...processEnv(dataDir, 'review.postbode.test'),
    POSTBODE_ADMIN_TOKEN: ADMIN,
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
  });
  const api = async (gw: GatewayProcess, method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, ...((await res.json()) as Json) };
  };

  it('held before the kill, held after the restart; released, it is delivered once', async () => {
    const first = await spawnGateway(env());
    gateway = first;
    const info = await createTransport({
      host: '127.0.0.1',
      port: first.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: creds,
    }).sendMail({
      envelope: { from: 'facturen@kill.example', to: ['jan@klant.example'] },
      from: 'facturen@kill.example',
      to: 'jan@klant.example',
      subject: 'Factuur 2024-401',
      text: 'Beste klant, uw factuur.',
      headers: { 'X-Postbode-Hold': 'yes' },
    });
    const id = /queued as (\S+)/.exec(info.response)?.[1] ?? '';
    await waitFor(
      async () => (await api(first, 'GET', `/messages/${id}`)).message?.recipients[0].status === 'held',
      10_000,
      'held',
      50,
    );
    first.child.kill('SIGKILL');
    await first.exited();

    const second = await spawnGateway(env());
    gateway = second;
    const after = (await api(second, 'GET', `/messages/${id}`)).message as Json;
    expect(after.recipients[0].status).toBe('held');
    expect(after.review.reason).toBe('header');
    await expectNothingFor(300, () => sink.messages.length === 0, 'nothing sent after the restart');
    expect((await api(second, 'POST', `/messages/${id}/review/release`, {})).status).toBe(200);
    await waitFor(() => sink.messages.length === 1, 10_000, 'the released message at the sink');
    expect(sink.messages[0]?.raw.toString()).toContain('Subject: Factuur 2024-401');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, startHttp, type HealthReport, type HttpServerHandle } from '../../../src/admin/api/http-app.js';
import { createMetrics } from '../../../src/admin/api/metrics.js';
import type { CaptureMailbox } from '../../../src/core/dev-mailbox.js';
import { openCaptureMailbox } from '../../../src/transports/capture/capture-mailbox.js';
import { nextMillisecond } from '../../helpers/wait-for.js';

const EVIL = '<script>alert("x")</script> & \'co\'';

let dir: string;
let mailbox: CaptureMailbox;
let server: HttpServerHandle;
let base: string;
let health: HealthReport | Error = { ok: true, details: {} };
const logLines: string[] = [];
const metricsParts = createMetrics({ depth: () => ({ messages: 2, queued: 3, deferred: 1 }) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-http-'));
  mailbox = openCaptureMailbox(join(dir, 'mailbox'));
  const api = express.Router();
  api.use(express.json());
  api.get('/boom', () => {
    throw new Error('db password is hunter2');
  });
  api.get('/async-boom', async () => {
    await Promise.resolve();
    throw new Error('async secret');
  });
  api.post('/echo', (req, res) => {
    res.json(req.body);
  });
  const logger = pino(
    { level: 'error' },
    {
      write: (line: string) => {
        logLines.push(line);
      },
    },
  );
  const app = createHttpApp({
    registry: metricsParts.registry,
    mailbox,
    mailboxAccess: { listenerIsLoopback: true, isAdmin: async () => false },
    logger,
    apiV1: api,
    health: () => {
      if (health instanceof Error) throw health;
      return health;
    },
  });
  server = await startHttp(app, 0, '127.0.0.1');
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /healthz', () => {
  it('answers 200 with status ok and the details', async () => {
    health = { ok: true, details: { queue: { messages: 0 } } };
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', queue: { messages: 0 } });
  });

  it('answers 503 when not healthy, and when the check itself throws', async () => {
    health = { ok: false, details: { queue: 'closed' } };
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', queue: 'closed' });
    health = new Error('broken');
    const thrown = await fetch(`${base}/healthz`);
    expect(thrown.status).toBe(503);
    expect(await thrown.json()).toMatchObject({ status: 'unavailable' });
    health = { ok: true, details: {} };
  });

  it('sends the security headers and no x-powered-by', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text with our metrics after they were reported', async () => {
    metricsParts.metrics.accepted(0.02);
    metricsParts.metrics.rejected('auth');
    metricsParts.metrics.delivery('deferred', 2);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^postbode_messages_accepted_total 1$/m);
    expect(text).toMatch(/^postbode_messages_rejected_total\{reason="auth"\} 1$/m);
    expect(text).toMatch(/^postbode_recipients_total\{outcome="deferred"\} 2$/m);
    expect(text).toMatch(/^postbode_accept_latency_seconds_count 1$/m);
    expect(text).toMatch(/^postbode_queue_messages 2$/m);
    expect(text).toMatch(/^postbode_queue_recipients\{status="queued"\} 3$/m);
    expect(text).toContain('process_resident_memory_bytes');
  });
});

describe('dev mailbox pages', () => {
  it('lists captured messages newest first with every value escaped', async () => {
    await mailbox.save(
      { from: 'first@example.test', to: ['x@example.test'] },
      Buffer.from('Subject: First\r\n\r\nbody\r\n'),
    );
    await nextMillisecond(); // ids sort by millisecond
    const evil = await mailbox.save(
      { from: '"<b>"@example.test', to: ['a@example.test', 'b@example.test'] },
      Buffer.from(`Subject: ${EVIL}\r\n\r\n<img src=x onerror=alert(1)>\r\n`),
    );
    const res = await fetch(`${base}/dev/mailbox`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('script-src');
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(html).toContain('&quot;&lt;b&gt;&quot;@example.test');
    expect(html).toContain('a@example.test, b@example.test');
    expect(html).toContain(`href="/dev/mailbox/${evil.id}"`);
    expect(html.indexOf(evil.id)).toBeLessThan(html.indexOf('First'));
  });

  it('shows one message with its headers and escaped source', async () => {
    const raw = Buffer.from(`Subject: ${EVIL}\r\nX-Mailer: legacy\r\n\r\n<img src=x onerror=alert(1)>\r\n`);
    const saved = await mailbox.save({ from: 'a@example.test', to: ['b@example.test'] }, raw);
    const res = await fetch(`${base}/dev/mailbox/${saved.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('X-Mailer: legacy');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).toContain(`/dev/mailbox/${saved.id}/raw`);
  });

  it('serves the raw source as message/rfc822, byte for byte', async () => {
    const raw = Buffer.from('Subject: =?ISO-8859-1?Q?caf=E9?=\r\n\r\nbin\xe9ry\r\n', 'latin1');
    const saved = await mailbox.save({ from: 'a@example.test', to: ['b@example.test'] }, raw);
    const res = await fetch(`${base}/dev/mailbox/${saved.id}/raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('message/rfc822');
    expect(Buffer.from(await res.arrayBuffer()).equals(raw)).toBe(true);
    expect(saved.subject).toBe('café');
  });

  it('answers JSON 404 for an unknown or malformed message id', async () => {
    for (const path of [
      '/dev/mailbox/01ARZ3NDEKTSV4RRFFQ69G5FAV',
      '/dev/mailbox/..%2F..%2Fetc%2Fpasswd/raw',
      '/dev/mailbox/nope/raw',
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not_found' });
    }
  });
});

describe('errors', () => {
  it('answers JSON 404 for unknown routes', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ error: 'not_found' });
  });

  it('answers JSON 500 without stack or message, and logs the error', async () => {
    for (const path of ['/api/v1/boom', '/api/v1/async-boom']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ error: 'internal_error' });
      expect(body).not.toMatch(/hunter2|secret|at .*\.ts/);
    }
    const logged = logLines.join('\n');
    expect(logged).toContain('db password is hunter2');
    expect(logged).toContain('async secret');
    expect(logged).toContain('/api/v1/boom');
  });

  it('keeps client errors of body parsers as 400', async () => {
    const res = await fetch(`${base}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'bad_request' });
    const ok = await fetch(`${base}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await ok.json()).toEqual({ a: 1 });
  });
});

describe('without a mailbox', () => {
  it('has no dev mailbox routes, and closes promptly with a keep-alive client', async () => {
    const app = createHttpApp({
      registry: createMetrics({ depth: () => ({ messages: 0, queued: 0, deferred: 0 }) }).registry,
      logger: pino({ level: 'silent' }),
      health: () => ({ ok: true, details: {} }),
    });
    const other = await startHttp(app, 0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${other.port}/dev/mailbox`);
    expect(res.status).toBe(404);
    const started = Date.now();
    await other.close(10_000);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetch(`http://127.0.0.1:${other.port}/healthz`)).rejects.toThrow();
  });
});

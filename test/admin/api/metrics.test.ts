import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/admin/api/metrics.js';

describe('createMetrics', () => {
  it('counts accepted, rejected and per-recipient outcomes, and times acceptance', async () => {
    const { metrics, registry } = createMetrics({ depth: () => ({ messages: 0, queued: 0, deferred: 0 }) });
    metrics.accepted(0.004);
    metrics.accepted(2);
    metrics.rejected('relay');
    metrics.rejected('relay');
    metrics.rejected('size');
    metrics.delivery('delivered', 3);
    metrics.delivery('bounced', 1);
    metrics.delivery('expired', 0);
    const text = await registry.metrics();
    expect(text).toMatch(/^postbode_messages_accepted_total 2$/m);
    expect(text).toMatch(/^postbode_messages_rejected_total\{reason="relay"\} 2$/m);
    expect(text).toMatch(/^postbode_messages_rejected_total\{reason="size"\} 1$/m);
    expect(text).toMatch(/^postbode_recipients_total\{outcome="delivered"\} 3$/m);
    expect(text).toMatch(/^postbode_recipients_total\{outcome="bounced"\} 1$/m);
    expect(text).not.toMatch(/outcome="expired"/);
    expect(text).toMatch(/^postbode_accept_latency_seconds_bucket\{le="0.001"\} 0$/m);
    expect(text).toMatch(/^postbode_accept_latency_seconds_bucket\{le="0.005"\} 1$/m);
    expect(text).toMatch(/^postbode_accept_latency_seconds_bucket\{le="5"\} 2$/m);
    expect(text).toMatch(/^postbode_accept_latency_seconds_count 2$/m);
  });

  it('reads queue depth when scraped', async () => {
    let depth = { messages: 1, queued: 2, deferred: 3 };
    const { registry } = createMetrics({ depth: () => depth });
    expect(await registry.metrics()).toMatch(/^postbode_queue_messages 1$/m);
    depth = { messages: 7, queued: 5, deferred: 4 };
    const text = await registry.metrics();
    expect(text).toMatch(/^postbode_queue_messages 7$/m);
    expect(text).toMatch(/^postbode_queue_recipients\{status="queued"\} 5$/m);
    expect(text).toMatch(/^postbode_queue_recipients\{status="deferred"\} 4$/m);
  });

  it('has default process metrics on its own registry, never the global one', async () => {
    const a = createMetrics({ depth: () => ({ messages: 0, queued: 0, deferred: 0 }) });
    const b = createMetrics({ depth: () => ({ messages: 0, queued: 0, deferred: 0 }) });
    a.metrics.accepted(0.01);
    expect(await a.registry.metrics()).toMatch(/^process_cpu_user_seconds_total /m);
    expect(await b.registry.metrics()).toMatch(/^postbode_messages_accepted_total 0$/m);
    expect(await globalRegistry.metrics()).not.toContain('postbode_');
  });
});

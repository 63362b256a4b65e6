import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { FAST_WEBHOOKS } from './webhook-helpers.js';

/**
 * The Webhooks screen in Chromium, as a tenant uses it: add an endpoint (its secret shown once),
 * send a test event, see a failed one and send it again.
 */
describe('settings page: webhooks', () => {
  let sink: Sink;
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let tp: TestPage;

  beforeAll(async () => {
    sink = await startSink();
    receiver = await startWebhookReceiver();
    gw = await startSenderGateway(sink.port, { webhooks: FAST_WEBHOOKS });
    ({ browser, tp } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await Promise.all([sink?.close(), receiver?.close()]);
  });

  it('adds an endpoint, sends a test event, and sends a failed delivery again', async () => {
    const { page } = tp;
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('message.delivered').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.locator('#webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    await page.getByRole('button', { name: 'Done' }).click();
    const card = page.getByRole('article', { name: receiver.url });
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText('Test event delivered.').waitFor();
    expect(receiver.received.filter((r) => r.verified && r.payload?.type === 'webhook.test')).toHaveLength(1);

    receiver.mode = 'fail';
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText('Test event not delivered: HTTP 500').waitFor();
    const failedId = receiver.received.at(-1)!.id;
    receiver.mode = 'ok';
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.reload();
    await card.getByRole('button', { name: 'Send again' }).click();
    await card.getByText('Queued to be sent again.').waitFor();
    await waitFor(() => receiver.received.filter((r) => r.id === failedId && r.verified).length === 2, 10_000);
    await expect.poll(() => tp.problems, POLL).toEqual([]);
  });
});

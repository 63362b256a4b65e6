import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL, screenshot, signInAsTenant, type TestPage } from '../../helpers/browser.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, headerOf, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * Review and resend in the browser, against the real gateway: a held invoice shows on the
 * Review screen with its preview; the tenant edits subject and text, sends it, and the sink
 * gets exactly that; from Sent mail it resends an invoice to a corrected address.
 */
describe('settings page: review and resend', () => {
  let sink: Sink;
  let gw: TestGateway;
  let browser: Browser;
  let tp: TestPage;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    ({ browser, tp } = await signInAsTenant(gw));
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sink?.close();
  });

  const send = async (subject: string, to: string, hold: boolean): Promise<string> => {
    const info = await legacyClient(gw).sendMail({
      envelope: { from: 'facturen@jansen.example', to: [to] },
      from: 'facturen@jansen.example',
      to,
      subject,
      text: 'Beste klant,\n\nUw factuur staat klaar.\n',
      headers: hold ? { 'X-Postbode-Hold': 'yes' } : {},
    });
    return queueIdOf(info.response);
  };

  it('a held invoice: preview, edit subject and text, send; the client gets exactly the edit', async () => {
    const id = await send('Factuur 2024-301', 'jan@klant.example', true);
    await waitFor(
      async () => ((await api(gw, 'GET', `/messages/${id}`)).body.message as { heldAt?: number }).heldAt,
      8_000,
      'held',
      50,
    );
    const { page } = tp;
    await page.getByRole('link', { name: 'Review' }).click();
    const item = page.locator(`li.message[data-id="${id}"]`);
    await item.waitFor();
    expect(await item.getByRole('heading', { name: 'Factuur 2024-301' }).count()).toBe(1);
    expect(await item.textContent()).toContain('Your software asked for it');
    expect(await item.locator('pre.preview-text').textContent()).toContain('Uw factuur staat klaar.');
    await item.getByLabel('Subject', { exact: true }).fill('Factuur 2024-301 (gecorrigeerd)');
    await item.getByLabel('Text', { exact: true }).fill('Beste Jan,\n\nHierbij uw gecorrigeerde factuur.');
    await item.getByRole('button', { name: 'Save changes' }).click();
    const edited = page.locator(`li.message[data-id="${id}"]`);
    await expect
      .poll(() => edited.getByRole('heading').first().textContent(), POLL)
      .toBe('Factuur 2024-301 (gecorrigeerd)');
    await screenshot(page, '20-review');
    expect(sink.messages.filter((m) => m.raw.includes(`id ${id}`))).toHaveLength(0);
    await edited.getByRole('button', { name: 'Send now' }).click();
    await page.getByText('No messages are waiting for review.').waitFor();
    const [got] = await arrived(sink, id);
    const parsed = await simpleParser(got!.raw);
    expect(parsed.subject).toBe('Factuur 2024-301 (gecorrigeerd)');
    expect(parsed.text?.trim()).toBe('Beste Jan,\n\nHierbij uw gecorrigeerde factuur.');
  });

  it('resend from Sent mail to a corrected address', async () => {
    const id = await send('Factuur 2024-302', 'jan@klant.exmaple', false);
    await arrived(sink, id);
    const { page } = tp;
    await page.getByRole('link', { name: 'Sent mail' }).click();
    const item = page.locator(`li.message[data-id="${id}"]`);
    await item.waitFor();
    await item.getByText('Resend', { exact: true }).first().click();
    await item.getByLabel('Send to').fill('jan@klant.example');
    await item.getByRole('button', { name: 'Resend' }).click();
    const original = await waitFor(
      async () => {
        const m = (await api(gw, 'GET', `/messages/${id}`)).body.message as { resentAs?: string[] };
        return m.resentAs?.[0];
      },
      8_000,
      'the resend linked to the original',
      50,
    );
    const copy = (await api(gw, 'GET', `/messages/${original}`)).body.message as { messageId: string };
    const got = await waitFor(
      () => sink.messages.find((m) => headerOf(m.raw, 'Message-ID')[0] === copy.messageId),
      8_000,
      'the resend at the sink',
    );
    expect(got.envelope.to).toEqual(['jan@klant.example']);
  });
});

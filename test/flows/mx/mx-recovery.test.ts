import { rm } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { createInbox } from '../../../src/receive/mx/inbox.js';
import { openMxStores } from '../../../src/feedback/mx-stores.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  ADMIN,
  api,
  arrived,
  headerOf,
  madeTenantClient,
  PLATFORM,
  queueIdOf,
  startSenderGateway,
} from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { logRecipient } from '../../helpers/message-log.js';
import { metricValue, sendInvoice, sendToMx } from '../../helpers/mx-harness.js';
import { confirmReplyTo } from '../../helpers/reply-confirm.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { personReply, standardDsn } from '../../feedback/mail-fixtures.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** What survives a restart, and DSNs that reach a forwarding address instead of the VERP one. */
describe('inbound MX: crash between 250 and processing; DSNs to a forwarding address', () => {
  let sink: Sink;
  let gw: TestGateway;
  let restarted: Gateway | undefined;
  const forwarding = `facturen@${PLATFORM.sendingDomain}`;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen', replyTo: 'office@acme.test' });
    await confirmReplyTo(gw, sink, 'office@acme.test');
  });
  afterAll(async () => {
    await restarted?.stop(2000);
    await rm(gw.dataDir, { recursive: true, force: true });
    await sink.close();
  });

  const current = (): TestGateway => (restarted ? { ...gw, gateway: restarted } : gw);

  const invoice = (to: string) => sendInvoice(current(), sink, to, { subject: 'Factuur 7', text: 'x\n' });
  const statusOf = (id: string, address: string, status: string) =>
    logRecipient(current(), id, (r) => r.status === status, address);

  it(
    'a DSN stored but not processed before a stop is processed at the next start; a forwarded reply replayed ' +
      'is not sent twice',
    async () => {
      const sent = await invoice('crash@customer.test');
      const reply = personReply({
        to: forwarding,
        from: 'jan@customer.test',
        messageId: '<replay@customer.test>',
        inReplyTo: sent.messageId,
      });
      const mxId = queueIdOf((await sendToMx(gw, 'jan@customer.test', forwarding, reply)).last);
      await arrived(sink, mxId);
      await gw.gateway.stop(2000);
      // What the listener writes before its 250, left unprocessed (as a crash right after the 250 would);
      // the reply again as if the crash came after its forwarding but before the inbox cleanup.
      const stores = openMxStores(storageAt(gw.dataDir));
      const inbox = createInbox(stores);
      await inbox.put(
        {
          id: mxId,
          receivedAt: Date.now(),
          envelope: { from: 'jan@customer.test', to: [forwarding] },
          client: { address: '192.0.2.1', helo: 'mx.customer.test' },
        },
        Buffer.from(reply),
      );
      await inbox.put(
        {
          id: newQueueId(),
          receivedAt: Date.now(),
          envelope: { from: '', to: [sent.verp] },
          client: { address: '192.0.2.1', helo: 'mx.customer.test' },
        },
        Buffer.from(
          standardDsn({
            to: sent.verp,
            recipient: 'crash@customer.test',
            action: 'failed',
            status: '5.1.1',
            diagnostic: '550 5.1.1 no such user',
          }),
        ),
      );
      await stores.root.close();

      restarted = await startGateway(gw.config, pino({ level: 'silent' }), Date.now, {
        POSTBODE_ADMIN_TOKEN: ADMIN,
        POSTBODE_SECRET_KEY: 'ab'.repeat(32),
      });
      expect((await statusOf(sent.id, 'crash@customer.test', 'bounced')).lastReply).toBe('550 5.1.1 no such user');
      // inbox order is id order: the replayed reply (older id) was processed before the DSN
      const log = await api(current(), 'GET', `/messages?tenant=${gw.tenantId}&q=replay@customer.test`);
      expect((log.body.messages as Array<{ id: string; kind: string }>).map((m) => [m.id, m.kind])).toEqual([
        [mxId, 'reply'],
      ]);
    },
  );

  it(
    'a DSN sent to the forwarding address is matched by the returned Message-ID within the tenant; another ' +
      "tenant's is dropped as forged",
    async () => {
      const sent = await invoice('fwd@customer.test');
      const send = async (messageId: string): Promise<void> => {
        const dsn = standardDsn({
          to: forwarding,
          recipient: 'fwd@customer.test',
          action: 'failed',
          status: '5.2.2',
          diagnostic: '552 5.2.2 Mailbox full',
          messageId,
        });
        expect((await sendToMx(current(), '', forwarding, dsn)).code).toBe(250);
      };
      await send(sent.messageId);
      expect((await statusOf(sent.id, 'fwd@customer.test', 'bounced')).lastReply).toBe('552 5.2.2 Mailbox full');
      // soft bounce: not on the list
      expect((await api(current(), 'GET', `/tenants/${gw.tenantId}/suppressions`)).body.suppressions).toEqual([
        expect.objectContaining({ address: 'crash@customer.test' }),
      ]);

      // A message of another tenant named in a DSN to this tenant's address: forged, counted, nothing changes.
      const other = await api(current(), 'POST', '/tenants', { name: 'Other BV' });
      const otherClient = madeTenantClient(current(), other);
      const theirs = queueIdOf(
        (
          await otherClient.sendMail({
            from: 'b@other.test',
            to: 'fwd@customer.test',
            subject: 'Factuur 8',
            text: 'x\n',
          })
        ).response,
      );
      const [theirCopy] = await arrived(sink, theirs);
      await statusOf(theirs, 'fwd@customer.test', 'delivered');
      const metrics = () => metricValue(current(), 'postbode_mx_forged_bounces_total');
      const before = await metrics();
      await send(headerOf(theirCopy!.raw, 'Message-ID')[0] ?? '');
      await waitFor(async () => ((await metrics()) > before ? true : undefined), 5_000, 'forged count');
      expect((await api(current(), 'GET', `/messages/${theirs}`)).body.message).toMatchObject({
        recipients: [expect.objectContaining({ status: 'delivered' })],
      });
    },
  );
});

import { describe, expect, it } from 'vitest';
import { receivedHeader } from '../../../src/receive/smtp/trace-headers.js';
import { withoutClientHop } from '../../../src/pipeline/sender/client-trace.js';
import { joinMessage, splitMessage } from '../../../src/mime/index.js';

const ours = receivedHeader({
  helo: 'kantoor-pc-07',
  clientHostname: '[192.168.1.23]',
  hostname: 'gw.postbode.test',
  transmission: 'ESMTPSA',
  queueId: '01JD0000000000000000000000',
  recipients: ['jan@klant.test'],
  now: Date.UTC(2026, 11, 7, 8, 0, 0),
});
const strip = (raw: string): string =>
  joinMessage(withoutClientHop(splitMessage(Buffer.from(raw, 'latin1')))).toString('latin1');

describe('withoutClientHop', () => {
  it(
    "drops the client's name and address from the Received: line trace-headers.ts writes, " +
      'keeping hop, id, recipient and date',
    () => {
      const out = strip(
        `${ours}Received: from inner.lan (10.0.0.5) by kantoor-pc-07; Mon, 7 Dec 2026 07:59:00 +0000\r\n` +
          'From: a@acme.test\r\n\r\nbody\r\n',
      );
      expect(out).toBe(
        'Received: by gw.postbode.test (Postbode) with ESMTPSA id 01JD0000000000000000000000\r\n' +
          '\tfor <jan@klant.test>;\r\n' +
          '\tMon, 07 Dec 2026 08:00:00 +0000\r\n' +
          // what the client wrote below ours is its own
          'Received: from inner.lan (10.0.0.5) by kantoor-pc-07; Mon, 7 Dec 2026 07:59:00 +0000\r\n' +
          'From: a@acme.test\r\n\r\nbody\r\n',
      );
    },
  );

  it('leaves a message alone whose topmost Received: is not ours', () => {
    const raw =
      `Received: from elsewhere by mx.example; Mon, 7 Dec 2026 07:59:00 +0000\r\n${ours}From: a@acme.test\r\n\r\n` +
      'body\r\n';
    expect(strip(raw)).toBe(raw);
    expect(strip('From: a@acme.test\r\n\r\nbody\r\n')).toBe('From: a@acme.test\r\n\r\nbody\r\n');
  });
});

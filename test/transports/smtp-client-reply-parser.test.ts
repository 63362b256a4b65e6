import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { MAX_REPLY_LINES, ReplyParser, type ServerReply } from '../../src/transports/smtp/client/reply-parser.js';

function parser(maxLine?: number): { parser: ReplyParser; replies: ServerReply[] } {
  const replies: ServerReply[] = [];
  return { parser: new ReplyParser((reply) => replies.push(reply), maxLine), replies };
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('smtp client reply parser', () => {
  it('reads a single-line reply as a typed SmtpReply and keeps the whole line as the response', () => {
    const { parser: p, replies } = parser();
    p.push(bytes('250 2.0.0 Ok: queued as 4XyZ\r\n'));
    expect(replies).toEqual([
      {
        code: 250,
        enhanced: '2.0.0',
        text: 'Ok: queued as 4XyZ',
        response: '250 2.0.0 Ok: queued as 4XyZ',
        lines: ['2.0.0 Ok: queued as 4XyZ'],
      },
    ]);
  });

  it('types a reply without enhanced status, and strips the status from every line of a multi-line one', () => {
    const { parser: p, replies } = parser();
    p.push(
      bytes(
        '354 End data with <CR><LF>.<CR><LF>\r\n550-5.7.1 Blocked\r\n550 5.7.1 See https://help.test\r\n421 4.4.2\r\n',
      ),
    );
    expect(replies.map(({ code, enhanced, text }) => ({ code, enhanced, text }))).toEqual([
      { code: 354, enhanced: '', text: 'End data with <CR><LF>.<CR><LF>' },
      { code: 550, enhanced: '5.7.1', text: 'Blocked See https://help.test' },
      { code: 421, enhanced: '4.4.2', text: '' },
    ]);
  });

  it('joins a multi-line reply and gives each line text for EHLO keywords', () => {
    const { parser: p, replies } = parser();
    p.push(bytes('250-smtp.test greets you\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 AUTH PLAIN LOGIN\r\n'));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toEqual({
      code: 250,
      enhanced: '',
      text: 'smtp.test greets you PIPELINING SIZE 1000 AUTH PLAIN LOGIN',
      response: '250-smtp.test greets you\n250-PIPELINING\n250-SIZE 1000\n250 AUTH PLAIN LOGIN',
      lines: ['smtp.test greets you', 'PIPELINING', 'SIZE 1000', 'AUTH PLAIN LOGIN'],
    });
  });

  it('waits for lines split across chunks, even byte by byte and inside a UTF-8 character', () => {
    const { parser: p, replies } = parser();
    const wire = bytes('550-5.1.1 Empfänger\r\n550 5.1.1 unbekannt – sorry\r\n');
    for (let i = 0; i < wire.length; i++) {
      expect(replies).toHaveLength(0);
      p.push(wire.subarray(i, i + 1));
    }
    expect(replies.map((r) => r.response)).toEqual(['550-5.1.1 Empfänger\n550 5.1.1 unbekannt – sorry']);
    expect(p.pending).toBe(false);
  });

  it('splits several pipelined replies arriving in one chunk, in order', () => {
    const { parser: p, replies } = parser();
    p.push(
      bytes(
        '250 2.1.0 Sender ok\r\n250 2.1.5 a ok\r\n550 5.1.1 b unknown\r\n451 4.7.1 c greylisted\r\n354 go ' +
          'ahead\r\n250-partial',
      ),
    );
    expect(replies.map((r) => [r.code, r.response])).toEqual([
      [250, '250 2.1.0 Sender ok'],
      [250, '250 2.1.5 a ok'],
      [550, '550 5.1.1 b unknown'],
      [451, '451 4.7.1 c greylisted'],
      [354, '354 go ahead'],
    ]);
    expect(p.pending).toBe(true);
    p.push(bytes('\r\n250 done\r\n'));
    expect(replies[5]).toMatchObject({ code: 250, response: '250-partial\n250 done' });
  });

  it('accepts bare LF line ends and a code without text', () => {
    const { parser: p, replies } = parser();
    p.push(bytes('220\n221 bye\n'));
    expect(replies.map((r) => r.response)).toEqual(['220', '221 bye']);
  });

  it('refuses a reply line longer than the bound, complete or not', () => {
    const complete = parser(100).parser;
    expect(() => complete.push(bytes(`250 ${'x'.repeat(200)}\r\n`))).toThrow(
      expect.objectContaining({ code: 'EPROTOCOL' }),
    );
    const endless = parser(100).parser;
    endless.push(bytes(`250 ${'x'.repeat(60)}`));
    expect(() => endless.push(bytes('y'.repeat(60)))).toThrow(/longer than 100 bytes/);
  });

  it('has a 4 KiB default bound', () => {
    const { parser: p, replies } = parser();
    p.push(bytes(`250 ${'x'.repeat(4_000)}\r\n`));
    expect(replies).toHaveLength(1);
    expect(() => p.push(bytes(`250 ${'x'.repeat(4_100)}\r\n`))).toThrow(expect.objectContaining({ code: 'EPROTOCOL' }));
  });

  it('refuses a multi-line reply that never ends', () => {
    const { parser: p, replies } = parser();
    p.push(bytes('250-x\r\n'.repeat(MAX_REPLY_LINES - 1)));
    expect(() => p.push(bytes('250-x\r\n'))).toThrow(/longer than 256 lines/);
    expect(replies).toHaveLength(0);
  });

  it('refuses lines that are not replies', () => {
    const { parser: p } = parser();
    expect(() => p.push(bytes('HTTP/1.1 400 Bad Request\r\n'))).toThrow(
      /invalid reply line "HTTP\/1.1 400 Bad Request"/,
    );
    expect(() => parser().parser.push(bytes('25 short\r\n'))).toThrow(expect.objectContaining({ code: 'EPROTOCOL' }));
    expect(() => parser().parser.push(bytes('650 no such class\r\n'))).toThrow(
      expect.objectContaining({ code: 'EPROTOCOL' }),
    );
    const thrown = (() => {
      try {
        parser().parser.push(bytes('garbage\r\n'));
      } catch (err) {
        return err;
      }
    })();
    expect(isGatewayError(thrown, 'EPROTOCOL')).toBe(true);
  });
});

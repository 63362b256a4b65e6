import type { ParsedMail, SimpleParserOptions } from 'mailparser';

/**
 * mailparser's simpleParser, loaded on the first parse: with its charset tables it costs
 * ~30 MiB of memory, and a gateway that only relays (no content rendering, no accountant
 * copies, no MX) never needs it.
 */
export async function parseMail(raw: Buffer, options?: SimpleParserOptions): Promise<ParsedMail> {
  const { simpleParser } = await import('mailparser');
  return simpleParser(raw, options);
}

/**
 * The parts of mailauth 4.13.3 the signer builds on, typed at this one boundary.
 *
 * Why internals and not `dkimSign`: its signer lists each header only as often as it occurs,
 * so it cannot oversign (list From/Subject/Reply-To once more than they occur, RFC 6376
 * 8.15), and it computes `t=` twice without a fixed sign time (a signature made across a
 * second boundary is invalid). We reuse its message parser, body hash and relaxed header
 * canonicalisation, the same code its verifier runs, and choose the header list ourselves.
 * mailauth is pinned; `loadMailauthInternals` fails loudly if these modules change shape.
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';

export interface ParsedHeader {
  /** Lower-case field name. */
  readonly key: string;
  /** Field name as written. */
  readonly casedKey: string;
  /** The whole field, folded lines joined by CRLF, as binary. */
  readonly line: Buffer;
}

export interface ParsedHeaders {
  readonly parsed: readonly ParsedHeader[];
}

/** mailauth's MessageParser: a Writable that splits header and body (normalising bare LF) and calls the hooks. */
export interface MessageParserBase extends Writable {
  headers: ParsedHeaders | false;
  messageHeaders(headers: ParsedHeaders): Promise<void>;
  nextChunk(chunk: Buffer): Promise<void>;
  finalChunk(): Promise<void>;
}

export interface BodyHasher {
  update(chunk: Buffer): void;
  digest(encoding: 'base64'): string;
}

export interface SignatureTags {
  readonly [tag: string]: string | number | undefined;
}

export interface MailauthInternals {
  readonly MessageParser: new () => MessageParserBase;
  dkimBody(canonicalization: 'relaxed', hashAlgo: 'sha256', maxBodyLength: false): BodyHasher;
  relaxedHeaders(
    type: 'DKIM',
    signingHeaderLines: { keys: string; headers: readonly ParsedHeader[] },
    options: {
      signingDomain: string;
      selector: string;
      algorithm: string;
      canonicalization: string;
      bodyHash: string;
      signTime: Date;
    },
  ): { canonicalizedHeader: Buffer; dkimHeaderOpts: SignatureTags };
  formatSignatureHeaderLine(type: 'DKIM', values: SignatureTags, folded: boolean): string;
  /** Splits a header block (ending in the blank line) into fields, as the parser does. */
  parseHeaders(headerBlock: Buffer): ParsedHeaders;
}

export function loadMailauthInternals(): MailauthInternals {
  const require = createRequire(import.meta.url);
  const { MessageParser } = require('mailauth/lib/dkim/message-parser.js') as Record<string, unknown>;
  const { dkimBody } = require('mailauth/lib/dkim/body/index.js') as Record<string, unknown>;
  const { relaxedHeaders } = require('mailauth/lib/dkim/header/relaxed.js') as Record<string, unknown>;
  const { formatSignatureHeaderLine, parseHeaders } = require('mailauth/lib/tools.js') as Record<string, unknown>;
  const internals = { MessageParser, dkimBody, relaxedHeaders, formatSignatureHeaderLine, parseHeaders };
  for (const [name, value] of Object.entries(internals)) {
    if (typeof value !== 'function') throw new Error(`mailauth internals changed: ${name} is not a function`);
  }
  return internals as MailauthInternals;
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { PeppolHandOff } from '../../core/types.js';
import type { TargetGuard } from '../egress/target-guard.js';

/**
 * The one HTTP call to a Peppol access point: `POST {base}/documents` with the UBL document as
 * the body, byte for byte, and the participant ids as query parameters (the shape of phoss-ap's
 * raw-document submission; docs/peppol.md names the providers it was modelled on). The base URL
 * is the tenant's: its host goes through the egress guard and the connection goes to exactly the
 * address that passed (no second lookup).
 */
export interface AccessPointAnswer {
  readonly status: number;
  /** The access point's JSON answer, or its first bytes as text. */
  readonly body: string;
}

export interface AccessPointOptions {
  readonly guard: Pick<TargetGuard, 'resolve'>;
  /** For the whole call, connect to last byte of the answer. */
  readonly timeoutMs: number;
}

const MAX_ANSWER = 16 * 1024;

/** The Peppol BIS Billing 3.0 document type and process of each kind. */
const DOCUMENT_TYPES = {
  invoice:
    'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##' +
    'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
  'credit-note':
    'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##' +
    'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
} as const;
export const PEPPOL_PROCESS = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

export function submissionUrl(handOff: PeppolHandOff): URL {
  const url = new URL(`${handOff.baseUrl.replace(/\/+$/, '')}/documents`);
  url.searchParams.set('receiverId', `iso6523-actorid-upis::${handOff.receiver}`);
  if (handOff.sender !== undefined) url.searchParams.set('senderId', `iso6523-actorid-upis::${handOff.sender}`);
  url.searchParams.set('docTypeId', `busdox-docid-qns::${DOCUMENT_TYPES[handOff.documentType]}`);
  url.searchParams.set('processId', `cenbii-procid-ubl::${PEPPOL_PROCESS}`);
  return url;
}

/** Rejects on a refused target, a network failure or the timeout; any HTTP answer resolves. */
export async function submitDocument(
  handOff: PeppolHandOff,
  ubl: Buffer,
  opts: AccessPointOptions,
): Promise<AccessPointAnswer> {
  const url = submissionUrl(handOff);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const [address] = await opts.guard.resolve(host);
  const pinned: LookupFunction = (_name, options, callback) => {
    const family = address!.includes(':') ? 6 : 4;
    if ((options as { all?: boolean }).all) callback(null, [{ address: address!, family }]);
    else callback(null, address!, family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      lookup: pinned,
      headers: {
        authorization: `Bearer ${handOff.token}`,
        'content-type': 'application/xml',
        'content-length': String(ubl.length),
        accept: 'application/json',
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on('response', (res) => {
      readAnswer(res).then(
        (body) => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body });
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
    req.end(ubl);
  });
}

async function readAnswer(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const part = chunk as Buffer;
    if (size < MAX_ANSWER) chunks.push(part.subarray(0, MAX_ANSWER - size));
    size += part.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

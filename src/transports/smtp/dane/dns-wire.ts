import { randomInt } from 'node:crypto';

/**
 * Just enough of the DNS wire format (RFC 1035, EDNS0 of RFC 6891) to ask a validating
 * resolver for TLSA records with the DO bit and read its AD bit, which node:dns does not show.
 */

export const TYPE_TLSA = 52;
const TYPE_OPT = 41;
const FLAG_RD = 0x0100;
const FLAG_AD = 0x0020;
const FLAG_TC = 0x0200;
const DO_BIT = 0x8000;
const UDP_SIZE = 1232;
/** Compression pointers followed at most this often, so a looping packet cannot hang us. */
const MAX_POINTERS = 32;

export interface WireRecord {
  readonly type: number;
  /** Seconds the record may be cached. */
  readonly ttl: number;
  readonly data: Buffer;
}

export interface WireAnswer {
  readonly id: number;
  readonly rcode: number;
  readonly authenticated: boolean;
  readonly truncated: boolean;
  readonly answers: readonly WireRecord[];
}

function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== '');
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`DNS label too long: ${label}`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** A query with RD and AD set (RFC 6840 5.7: AD asks for the validation result) and an OPT record with DO. */
export function encodeQuery(name: string, type: number): { readonly id: number; readonly packet: Buffer } {
  const id = randomInt(0, 0x10000);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(FLAG_RD | FLAG_AD, 2);
  header.writeUInt16BE(1, 4); // one question
  header.writeUInt16BE(1, 10); // one additional: OPT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(type, 0);
  question.writeUInt16BE(1, 2); // IN
  const opt = Buffer.alloc(11);
  opt.writeUInt8(0, 0); // root name
  opt.writeUInt16BE(TYPE_OPT, 1);
  opt.writeUInt16BE(UDP_SIZE, 3);
  opt.writeUInt32BE(DO_BIT, 5);
  opt.writeUInt16BE(0, 9);
  return { id, packet: Buffer.concat([header, encodeName(name), question, opt]) };
}

/** The offset after the name at `offset` (labels or a compression pointer). */
function skipName(packet: Buffer, offset: number): number {
  let at = offset;
  for (let hops = 0; hops < MAX_POINTERS; hops++) {
    const len = packet.readUInt8(at);
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += 1 + len;
  }
  throw new Error('DNS name too long');
}

/** Header flags and the answer section; throws on a packet too short for what it claims. */
export function decodeAnswer(packet: Buffer): WireAnswer {
  const flags = packet.readUInt16BE(2);
  const questions = packet.readUInt16BE(4);
  const count = packet.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < questions; i++) at = skipName(packet, at) + 4;
  const answers: WireRecord[] = [];
  for (let i = 0; i < count; i++) {
    at = skipName(packet, at);
    const type = packet.readUInt16BE(at);
    const ttl = packet.readUInt32BE(at + 4);
    const length = packet.readUInt16BE(at + 8);
    const start = at + 10;
    if (start + length > packet.length) throw new Error('DNS answer cut short');
    answers.push({ type, ttl, data: packet.subarray(start, start + length) });
    at = start + length;
  }
  return {
    id: packet.readUInt16BE(0),
    rcode: flags & 0x000f,
    authenticated: (flags & FLAG_AD) !== 0,
    truncated: (flags & FLAG_TC) !== 0,
    answers,
  };
}

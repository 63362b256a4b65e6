import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VERP envelope senders: `<localPart>+<token>@<domain>`, where the token names the queued
 * message and the recipient (its index in the record) and carries a MAC, so that a bounce
 * coming back can be matched to the recipient it is about and a forged one is ignored.
 * Lower case only: some servers change the case of local parts.
 */
export interface VerpParts {
  readonly queueId: string;
  readonly recipientIndex: number;
}

export interface VerpSettings {
  readonly localPart: string;
  readonly domain: string;
  /** From SecretBox.deriveKey('verp'). */
  readonly key: Buffer;
}

const MAC_CHARS = 13; // 65 bits of base32
const TOKEN = /^([0-9a-hjkmnp-tv-z]{26})-(\d{1,4})-([a-z2-7]{13})$/;

function mac(key: Buffer, queueId: string, index: number): string {
  const digest = createHmac('sha256', key).update(`${queueId.toUpperCase()}.${index}`).digest();
  return base32(digest).slice(0, MAC_CHARS);
}

function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(acc >> bits) & 31];
    }
  }
  return out;
}

export function makeVerp(settings: VerpSettings, parts: VerpParts): string {
  const id = parts.queueId.toLowerCase();
  const tag = mac(settings.key, id, parts.recipientIndex);
  return `${settings.localPart}+${id}-${parts.recipientIndex}-${tag}@${settings.domain}`;
}

/** The parts of a VERP address we made, or undefined for any other address (or a forged MAC). */
export function parseVerp(settings: VerpSettings, address: string): VerpParts | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== settings.domain.toLowerCase()) return undefined;
  const local = address.slice(0, at).toLowerCase();
  const prefix = `${settings.localPart.toLowerCase()}+`;
  if (!local.startsWith(prefix)) return undefined;
  const match = TOKEN.exec(local.slice(prefix.length));
  if (!match) return undefined;
  const [, id = '', indexText = '', given = ''] = match;
  const index = Number(indexText);
  const expected = Buffer.from(mac(settings.key, id, index));
  if (!timingSafeEqual(expected, Buffer.from(given))) return undefined;
  return { queueId: id.toUpperCase(), recipientIndex: index };
}

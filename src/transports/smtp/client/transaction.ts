import { isAscii } from 'node:buffer';
import type { Envelope } from '../../../core/types.js';
import { findHeaderEnd } from '../../../mime/index.js';
import type { Capabilities } from './capabilities.js';
import { clientError } from './client-errors.js';
import type { SmtpConnection } from './connection.js';
import { dotStuff } from './dot-stuff.js';
import { envelopeCommands, utf8Refusal, type EnvelopeCommands } from './envelope-commands.js';
import type { ServerReply } from './reply-parser.js';

/**
 * One mail transaction on a ready connection: MAIL, RCPT..., DATA, body. With PIPELINING the
 * envelope and DATA leave in one write and the replies are read in order afterwards (one
 * round trip instead of 2 + recipients); without it each command waits for its reply.
 */

/**
 * What became of one recipient: the typed reply that decided it, or the error that ended the
 * attempt (no reply, or one the client could not go on after). `instanceof Error` tells them apart.
 */
export type RecipientAnswer = ServerReply | Error;

interface EnvelopeReplies {
  readonly mail: ServerReply;
  readonly rcpts: readonly ServerReply[];
  /** The DATA reply; undefined when DATA was not sent. */
  readonly data?: ServerReply;
}

const positive = (reply: ServerReply): boolean => reply.code >= 200 && reply.code < 300;

function tooBig(limit: number): ServerReply {
  const text = `Message size exceeds fixed maximum message size (${limit} bytes)`;
  return { code: 552, enhanced: '5.3.4', text, response: `552 5.3.4 ${text}`, lines: [`5.3.4 ${text}`] };
}

/**
 * The next reply. A server that says 421 closes the connection right after; the commands
 * it never answered then get that 421, which says more than "connection closed".
 */
async function next(conn: SmtpConnection, previous: ServerReply | undefined): Promise<ServerReply> {
  try {
    return await conn.read();
  } catch (err) {
    if (previous?.code === 421) return previous;
    throw err;
  }
}

async function pipelined(conn: SmtpConnection, cmds: EnvelopeCommands): Promise<EnvelopeReplies> {
  conn.write(`${cmds.mail}${cmds.rcpts.join('')}DATA\r\n`);
  const mail = await conn.read();
  const rcpts: ServerReply[] = [];
  let last = mail;
  for (let i = 0; i < cmds.rcpts.length; i++) rcpts.push((last = await next(conn, last)));
  return { mail, rcpts, data: await next(conn, last) };
}

async function stepwise(conn: SmtpConnection, cmds: EnvelopeCommands): Promise<EnvelopeReplies> {
  conn.write(cmds.mail);
  const mail = await conn.read();
  if (!positive(mail)) return { mail, rcpts: [] };
  const rcpts: ServerReply[] = [];
  for (const rcpt of cmds.rcpts) {
    conn.write(rcpt);
    rcpts.push(await next(conn, rcpts.at(-1)));
  }
  if (!rcpts.some(positive)) return { mail, rcpts };
  conn.write('DATA\r\n');
  return { mail, rcpts, data: await next(conn, rcpts.at(-1)) };
}

/** Ends a transaction without a message; a connection that cannot reset is dropped. */
async function reset(conn: SmtpConnection, data: ServerReply | undefined): Promise<void> {
  if (data?.code === 354) {
    // the server waits for a body nobody should receive: only closing ends that cleanly
    conn.destroy(clientError('EPROTOCOL', 'DATA accepted without recipients'));
    return;
  }
  conn.write('RSET\r\n');
  const reply = await conn.read().catch(() => undefined);
  if (reply === undefined || !positive(reply)) conn.destroy(clientError('EPROTOCOL', 'RSET failed'));
}

/** Sends the body after 354; accepted recipients get the final reply (or the error). */
async function body(conn: SmtpConnection, rcpts: readonly ServerReply[], raw: Buffer): Promise<RecipientAnswer[]> {
  conn.writeSlices(dotStuff(raw));
  let final: RecipientAnswer;
  try {
    final = await conn.read();
  } catch (err) {
    final = err as Error;
  }
  return rcpts.map((reply) => (positive(reply) ? final : reply));
}

/**
 * What the bytes ask of the server: 8BITMIME for any 8-bit byte, SMTPUTF8 for one in the
 * header block. isAscii is a vectorised scan (microseconds for 100 KB); the header block is
 * looked at only when the message is not all ASCII.
 */
function bodyNeeds(raw: Buffer): { readonly eightBit: boolean; readonly utf8Headers: boolean } {
  if (isAscii(raw)) return { eightBit: false, utf8Headers: false };
  const head = findHeaderEnd(raw)?.end ?? raw.length;
  return { eightBit: true, utf8Headers: !isAscii(raw.subarray(0, head)) };
}

/**
 * Sends one message; resolves with one answer per recipient in envelope order. Rejects only
 * when the connection fails before the body: the pool then decides about a retry.
 */
export async function sendMessage(
  conn: SmtpConnection,
  caps: Capabilities,
  envelope: Envelope,
  raw: Buffer,
): Promise<RecipientAnswer[]> {
  if (caps.maxSize > 0 && raw.length > caps.maxSize) return envelope.to.map(() => tooBig(caps.maxSize));
  const needs = bodyNeeds(raw);
  const refused = utf8Refusal(envelope, caps, needs.utf8Headers);
  if (refused !== undefined) return envelope.to.map(() => refused);
  const cmds = envelopeCommands(envelope, caps, raw.length, needs.eightBit, needs.utf8Headers);
  const replies = caps.pipelining ? await pipelined(conn, cmds) : await stepwise(conn, cmds);
  if (!positive(replies.mail)) {
    // RCPT replies after a refused MAIL only say "need MAIL first": the MAIL reply decides
    if (replies.data?.code === 354) conn.destroy(clientError('EPROTOCOL', 'DATA accepted after MAIL was refused'));
    return envelope.to.map(() => replies.mail);
  }
  const { rcpts, data } = replies;
  if (!rcpts.some(positive)) {
    await reset(conn, data);
    return [...rcpts];
  }
  // both ways DATA goes out whenever a recipient was accepted
  if (data === undefined) throw clientError('EPROTOCOL', 'DATA was not sent');
  if (data.code !== 354) {
    await reset(conn, undefined);
    return rcpts.map((reply) => (positive(reply) ? data : reply));
  }
  return body(conn, rcpts, raw);
}

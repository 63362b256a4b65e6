/**
 * SMTP replies as values. Policy code returns a `Verdict`; only inbound/ turns a refusal
 * into an `SmtpError` that smtp-server writes to the socket (it honours `responseCode`).
 */
export interface SmtpReply {
  /** Basic reply code, e.g. 451. */
  readonly code: number;
  /** RFC 3463 enhanced status code, e.g. "4.3.0". */
  readonly enhanced: string;
  readonly text: string;
  /**
   * The reply as it reads on one line where that is not `code enhanced text`: a server's multi-line reply as
   * received, or the words of a failure that got no reply at all ("connect ECONNREFUSED 127.0.0.1:25"), whose code
   * and status are then ours. The queue's history and the API have always shown these words, so they stay.
   */
  readonly line?: string;
  /**
   * Our SMTP client's stable code for a failure that ended the attempt (EAUTH, ETLS, ECONNREFUSED, ETARGET ...):
   * what the reply says about the hop rather than the message. Absent for a plain server reply.
   */
  readonly failure?: string;
}

/** A reply we make ourselves (a local decision: suppressed, no route); every part named. */
export function smtpReply(code: number, enhanced: string, text: string): SmtpReply {
  return { code, enhanced, text };
}

/** RFC 5321 4.2.1: 2yz done, 4yz transient (try again), 5yz permanent. */
export function isPositive(reply: SmtpReply): boolean {
  return reply.code >= 200 && reply.code < 300;
}

export function isTransient(reply: SmtpReply): boolean {
  return reply.code >= 400 && reply.code < 500;
}

export function isPermanent(reply: SmtpReply): boolean {
  return reply.code >= 500 && reply.code < 600;
}

export type Verdict = { readonly kind: 'accept' } | { readonly kind: 'refuse'; readonly reply: SmtpReply };

export const ACCEPT: Verdict = Object.freeze({ kind: 'accept' });

export function refuse(code: number, enhanced: string, text: string): Verdict {
  return { kind: 'refuse', reply: { code, enhanced, text } };
}

/** `550 5.1.1 No such user`; a reply without an enhanced status reads `550 No such user`. */
export function formatReply(reply: Pick<SmtpReply, 'code' | 'enhanced' | 'text'>): string {
  return reply.enhanced === '' ? `${reply.code} ${reply.text}` : `${reply.code} ${reply.enhanced} ${reply.text}`;
}

/**
 * The one text form of a delivery reply: what the queue's history stores, the API and the logs show, and a DSN
 * quotes. Unchanged from when replies travelled as strings, so old records and new ones read alike.
 */
export function replyLine(reply: SmtpReply): string {
  return reply.line ?? formatReply(reply);
}

/** The reply with a note after it ("(rendered before the settings change)"), in both its forms. */
export function withReplyNote(reply: SmtpReply, note: string): SmtpReply {
  const noted = { ...reply, text: `${reply.text} (${note})` };
  return reply.line === undefined ? noted : { ...noted, line: `${reply.line} (${note})` };
}

/**
 * The error smtp-server understands: `responseCode` is the reply code and the message is
 * sent after it. smtp-server keeps enhanced status codes off by default, so ours travel in
 * the message text: the client reads `552 5.3.4 Message too big`.
 */
export class SmtpError extends Error {
  readonly responseCode: number;
  readonly enhanced: string;
  readonly text: string;

  constructor(code: number, enhanced: string, text: string) {
    super(`${enhanced} ${text}`);
    this.name = 'SmtpError';
    this.responseCode = code;
    this.enhanced = enhanced;
    this.text = text;
  }

  static from(reply: SmtpReply): SmtpError {
    return new SmtpError(reply.code, reply.enhanced, reply.text);
  }

  get reply(): SmtpReply {
    return { code: this.responseCode, enhanced: this.enhanced, text: this.text };
  }
}

/** The replies Postbode gives, in one place so that codes stay consistent. */
export const Replies = {
  authRequired: (): SmtpReply => ({ code: 530, enhanced: '5.7.0', text: 'Authentication required' }),
  authFailed: (): SmtpReply => ({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' }),
  authThrottled: (): SmtpReply => ({
    code: 421,
    enhanced: '4.7.0',
    text: 'Too many authentication failures, try again later',
  }),
  encryptionRequired: (): SmtpReply => ({
    code: 538,
    enhanced: '5.7.11',
    text: 'Encryption required for requested authentication mechanism',
  }),
  relayDenied: (): SmtpReply => ({ code: 550, enhanced: '5.7.1', text: 'Relay access denied' }),
  badSender: (why: string): SmtpReply => ({ code: 553, enhanced: '5.1.7', text: `Bad sender address syntax: ${why}` }),
  /** Postfix's reject_sender_login_mismatch, in words that never name who does own it. */
  senderNotOwned: (field = 'Sender'): SmtpReply => ({
    code: 550,
    enhanced: '5.7.1',
    text: `${field} address rejected: not owned by this account`,
  }),
  senderForm: (field: string, why: string): SmtpReply => ({
    code: 550,
    enhanced: '5.7.1',
    text: `${field} address rejected: ${why}`,
  }),
  /** RFC 6531 3.4: a non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM. */
  utf8Required: (): SmtpReply => ({
    code: 553,
    enhanced: '5.6.7',
    text: 'Non-ASCII address without SMTPUTF8 in MAIL FROM',
  }),
  badRecipient: (why: string): SmtpReply => ({
    code: 553,
    enhanced: '5.1.3',
    text: `Bad recipient address syntax: ${why}`,
  }),
  tooManyRecipients: (max: number): SmtpReply => ({
    code: 452,
    enhanced: '4.5.3',
    text: `Too many recipients (at most ${max} per message)`,
  }),
  tooManyConnections: (): SmtpReply => ({
    code: 421,
    enhanced: '4.7.0',
    text: 'Too many connections from your address, try again later',
  }),
  tenantRateLimited: (max: number, per: 'hour' | 'day'): SmtpReply => ({
    code: 451,
    enhanced: '4.7.1',
    text: `Tenant limit of ${max} messages per ${per} reached, try again later`,
  }),
  tooManyTransactions: (max: number): SmtpReply => ({
    code: 421,
    enhanced: '4.7.0',
    text: `Too many transactions in one session (at most ${max}), closing connection`,
  }),
  transactionTimeout: (): SmtpReply => ({
    code: 421,
    enhanced: '4.4.2',
    text: 'Transaction took too long, closing connection',
  }),
  commandTimeout: (): SmtpReply => ({
    code: 421,
    enhanced: '4.4.2',
    text: 'Command took too long, closing connection',
  }),
  sessionTimeout: (): SmtpReply => ({
    code: 421,
    enhanced: '4.4.2',
    text: 'Session lasted too long, closing connection',
  }),
  startTlsFirst: (): SmtpReply => ({ code: 538, enhanced: '5.7.11', text: 'Must issue a STARTTLS command first' }),
  tlsRequired: (): SmtpReply => ({ code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' }),
  tooManyJunkCommands: (): SmtpReply => ({
    code: 550,
    enhanced: '5.7.0',
    text: 'Too many NOOP, RSET, VRFY or HELP commands',
  }),
  tooManyJunkCommandsClosing: (): SmtpReply => ({
    code: 421,
    enhanced: '4.7.0',
    text: 'Too many NOOP, RSET, VRFY or HELP commands, closing connection',
  }),
  tooManyHops: (): SmtpReply => ({ code: 554, enhanced: '5.4.6', text: 'Too many hops (mail loop?)' }),
  messageTooBig: (max: number): SmtpReply => ({
    code: 552,
    enhanced: '5.3.4',
    text: `Message too big (at most ${max} bytes)`,
  }),
  nulByte: (): SmtpReply => ({ code: 550, enhanced: '5.6.0', text: 'Message contains NUL bytes' }),
  malformed: (why: string): SmtpReply => ({ code: 554, enhanced: '5.6.0', text: `Malformed message: ${why}` }),
  storageFull: (): SmtpReply => ({
    code: 452,
    enhanced: '4.3.1',
    text: 'Insufficient system storage, try again later',
  }),
  localError: (): SmtpReply => ({ code: 451, enhanced: '4.3.0', text: 'Local error in processing, try again later' }),
  storeUnavailable: (): SmtpReply => ({
    code: 421,
    enhanced: '4.3.0',
    text: 'Mail store unavailable, try again later',
  }),
  shuttingDown: (): SmtpReply => ({ code: 421, enhanced: '4.3.2', text: 'Service shutting down, try again later' }),
  queued: (id: string): SmtpReply => ({ code: 250, enhanced: '2.0.0', text: `Ok: queued as ${id}` }),
  // Delivery's own answers for a recipient, where no server was asked.
  bodyMissing: (): SmtpReply => smtpReply(451, '4.3.0', 'body missing'),
  noRoute: (): SmtpReply => smtpReply(451, '4.3.5', 'no route for this recipient'),
  planFailed: (): SmtpReply => smtpReply(451, '4.3.0', 'local error while preparing the message, will retry'),
  holdFailed: (): SmtpReply => smtpReply(451, '4.3.0', 'could not hold the message for review, will retry'),
  noResult: (): SmtpReply => smtpReply(451, '4.3.0', 'transport returned no result for this recipient'),
  localTransportError: (words: string): SmtpReply => smtpReply(451, '4.3.0', `local transport error: ${words}`),
  /** A transport handed a route of another kind: `who` is "relay transport", "direct delivery" ... */
  wrongRoute: (who: string, kind: string): SmtpReply => smtpReply(451, '4.3.5', `${who} cannot take a ${kind} route`),
  suppressed: (): SmtpReply => smtpReply(550, '5.1.1', 'suppressed'),
} as const;

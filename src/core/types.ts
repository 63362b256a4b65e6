import type { OAuthProviderName } from './access-token.js';
/**
 * The small core every stage shares. Values here are plain, JSON-serialisable data so that
 * the queue can store them as they are and the API can return them without mapping.
 */

import type { SmtpReply } from './smtp-reply.js';
import type { ReviewState } from './hold.js';

/** An SMTP envelope. `from` is '' for the null sender (bounces, DSNs). */
export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
}

// ---------------------------------------------------------------- tenants

export interface Tenant {
  readonly id: string;
  readonly name: string;
  /** SMTP AUTH user name; unique across tenants. */
  readonly smtpUsername: string;
  /** scrypt hash, `scrypt$N$r$p$salt$hash` (base64 parts). */
  readonly smtpPasswordHash: string;
  /** Client addresses or CIDR ranges that may send without AUTH (software that cannot authenticate). */
  readonly allowedIps: readonly string[];
  /** Allow AUTH before STARTTLS (legacy software). Off by default. */
  readonly allowPlaintextAuth: boolean;
  /** Refuse MAIL FROM on a session without TLS (AUTH or allow-listed IP alike); absent = false. */
  readonly requireTls?: boolean;
  /** Bumped whenever credentials change, so that caches can tell stale entries. */
  readonly credentialsVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Read side of tenant storage, as inbound needs it. */
export interface TenantDirectory {
  byId(id: string): Promise<Tenant | undefined>;
  bySmtpUsername(username: string): Promise<Tenant | undefined>;
  /** Tenants whose IP allow-list contains the address (usually zero or one). */
  byAllowedIp(address: string): Promise<Tenant | undefined>;
}

// ---------------------------------------------------------------- queue records

/**
 * Persisted per-recipient states. "In flight" is a lease held in memory by the delivery
 * scheduler, not a status (AttemptLeases only counts it): a crash mid-delivery leaves each
 * recipient whose reply was not yet recorded `queued`/`deferred`, so it is retried after
 * restart (at-least-once).
 * `held` (an admin paused it) is pending but never due; `cancelled` (an admin gave up on it) is final.
 */
export type RecipientStatus = 'queued' | 'deferred' | 'held' | 'delivered' | 'bounced' | 'expired' | 'cancelled';

export const FINAL_STATUSES: ReadonlySet<RecipientStatus> = new Set(['delivered', 'bounced', 'expired', 'cancelled']);

/** The only statuses the delivery scheduler may attempt (when their nextAttemptAt has come). */
export const DUE_STATUSES: ReadonlySet<RecipientStatus> = new Set(['queued', 'deferred']);

/** Queue actions an admin takes through the API; each leaves an entry in the recipients' history. */
export type AdminAction = 'retried' | 'held' | 'released' | 'cancelled';

/**
 * Notes the inbound MX adds after delivery (src/feedback/): a "delayed" DSN, an auto-reply, a person's reply; the
 * status stays.
 */
export type LogNote = 'delayed' | 'auto-reply' | 'replied';

export interface DeliveryAttempt {
  readonly at: number;
  /**
   * A delivery attempt's outcome, an admin action (then `reply` is its reason and there is no nextHop), or an MX note.
   */
  readonly outcome: 'delivered' | 'deferred' | 'bounced' | AdminAction | LogNote;
  /** The next hop's reply, e.g. "250 2.0.0 Ok: queued as 4XyZ" or "connect ECONNREFUSED". */
  readonly reply: string;
  /** host:port or transport name that answered. */
  readonly nextHop?: string;
  /** How the session was secured: "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified", "no TLS: ...". */
  readonly tls?: string;
}

/**
 * Why a recipient is on the envelope: the legacy client's own recipient, the tenant's
 * archive (backup) address, or its accountant. Absent means `client` (records from before roles).
 */
export type RecipientRole = 'client' | 'archive' | 'accountant';

export interface RecipientState {
  readonly address: string;
  readonly role?: RecipientRole;
  readonly status: RecipientStatus;
  readonly attempts: number;
  /** When the next attempt is due (ms since epoch); meaningful for queued/deferred. */
  readonly nextAttemptAt: number;
  readonly lastReply?: string;
  readonly history: readonly DeliveryAttempt[];
}

/**
 * What the message is: client mail, a delivery status notification Postbode made, a reply the MX forwards to the
 * tenant, an e-invoice handed to the tenant's Peppol access point (its body is the UBL document itself), or a
 * bounce alert Postbode mails the tenant (src/feedback/bounce-alerts/: never alerted on itself).
 */
export type MessageKind = 'mail' | 'dsn' | 'reply' | 'peppol' | 'alert';

export interface QueuedMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: MessageKind;
  readonly envelope: Envelope;
  readonly recipients: readonly RecipientState[];
  readonly receivedAt: number;
  /** Size of the stored message in bytes (after normalisation and added headers). */
  readonly size: number;
  /** The client's address and HELO name, for the log. */
  readonly client: { readonly address: string; readonly helo: string };
  /** Message-ID header value as stored (added when the client left it out). */
  readonly messageId: string;
  readonly subject?: string;
  /** Set when every recipient is final. */
  readonly completedAt?: number;
  /** Set while the message is held (hold() until release() or cancel()). */
  readonly heldAt?: number;
  /** Set when the pipeline held it for the tenant's review (src/pipeline/review/); kept after the hold ends. */
  readonly review?: ReviewState;
  /** A resend: the id of the message it resends (POST /tenants/{id}/messages/{messageId}/resend). */
  readonly resentFrom?: string;
  /** The ids of this message's resends, oldest first. */
  readonly resentAs?: readonly string[];
}

/** What inbound hands to the queue. */
export interface NewMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: MessageKind;
  readonly envelope: Envelope;
  readonly receivedAt: number;
  readonly client: { readonly address: string; readonly helo: string };
  readonly messageId: string;
  readonly subject?: string;
  /** Roles of envelope recipients that are not the client's own (archive, accountant); the rest are `client`. */
  readonly roles?: Readonly<Record<string, RecipientRole>>;
  /** A resend: the id of the message it resends. */
  readonly resentFrom?: string;
}

/** The outcome of one delivery attempt for one recipient, as the scheduler records it. */
export interface RecipientResult {
  readonly address: string;
  readonly outcome: 'delivered' | 'deferred' | 'bounced';
  /** Typed; stored and shown as `replyLine(reply)` (core/smtp-reply.ts). */
  readonly reply: SmtpReply;
  readonly nextHop?: string;
  /** How the session with the next hop was secured, for the message log (DeliveryAttempt.tls). */
  readonly tls?: string;
  /**
   * Deferred: not before this time (ms), when the remote said when (Retry-After, a daily limit); the retry schedule may
   * add more.
   */
  readonly notBefore?: number;
}

/**
 * The durable queue as the rest of the gateway sees it. Implementations must make
 * `enqueue` durable (synced to disk) before its promise resolves: inbound answers 250 then.
 */
/** A read that a local engine answers at once and a shared one over the network: always `await` it. */
export type MaybePromise<T> = T | Promise<T>;

export interface MessageQueue {
  /**
   * Stores message and body in one transaction, resolves once synced. Throws GatewayError E_STORAGE_FULL / E_STORAGE.
   */
  enqueue(message: NewMessage, body: Buffer): Promise<QueuedMessage>;
  get(id: string): MaybePromise<QueuedMessage | undefined>;
  body(id: string): MaybePromise<Buffer | undefined>;
  /**
   * Messages with at least one recipient due at `now`, oldest due first, at most `limit`,
   * skipping `exclude` (messages already in flight). Fresh mail comes before deferred mail
   * that is due, so a deferred backlog does not slow new mail.
   */
  due(now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[];
  /** Earliest nextAttemptAt of any pending recipient, or undefined when nothing is pending. */
  nextDueAt(): number | undefined;
  /** Applies attempt results in one transaction; deferred recipients get `nextAttemptAt` from the retry policy. */
  record(id: string, results: readonly RecipientResult[], now: number): Promise<QueuedMessage>;
  /** Marks still-pending recipients expired (too old) in one transaction. */
  expire(id: string, addresses: readonly string[], now: number, reason: string): Promise<QueuedMessage>;
  /** Counts per status of recipients not yet final, and the number of messages pending (held ones included). */
  depth(): { readonly messages: number; readonly queued: number; readonly deferred: number; readonly held?: number };
  close(): Promise<void>;
}

/** Per-tenant reads of due mail, so that delivery can share its slots fairly between tenants. */
export interface TenantDueQueue {
  /** Tenants with recipients waiting for an attempt (due now or later), in no particular order. */
  dueTenants(): string[];
  /** due() for one tenant, at a cost that does not grow with other tenants' backlogs. */
  dueOf(tenantId: string, now: number, limit: number, exclude: ReadonlySet<string>): QueuedMessage[];
}

/**
 * Durable marks of the messages delivery is attempting (Postfix's "active" queue on disk), so
 * that a start after a crash knows how many in-flight messages it sends again. Both writes
 * share the commit of their event turn and are not awaited: a lost mark only miscounts.
 */
export interface AttemptLeases {
  /** An attempt of `id` starts. */
  lease(id: string, now: number): void;
  /** That attempt ended: its results are recorded, or it failed and the message stays due. */
  unlease(id: string): void;
}

// ---------------------------------------------------------------- message log (API side of the queue)

export interface MessageLogFilter {
  /** Messages with at least one recipient in this status. */
  readonly status?: RecipientStatus;
  readonly tenantId?: string;
  /** Messages with this envelope recipient (exact address, case-insensitive). */
  readonly recipient?: string;
  /** receivedAt range, both ends inclusive (ms since epoch). */
  readonly since?: number;
  readonly until?: number;
  /** Case-insensitive substring of the subject or Message-ID (document-number search until a real field exists). */
  readonly text?: string;
  /** Most messages to return (1..500). */
  readonly limit: number;
  /** Cursor: only messages older than this id (ids sort by arrival time). */
  readonly before?: string;
  /**
   * A last test, run only on records that passed the fields above (the API's plain state, document number and
   * client filters, which read the opens and annotations of that one message).
   */
  readonly accept?: (msg: QueuedMessage) => boolean;
}

export interface MessageLogPage {
  /** Newest first. */
  readonly messages: QueuedMessage[];
  /** Pass as `before` to continue; undefined when the log has been read to its start (or to `since`). */
  readonly next?: string;
}

export interface QueueSummary {
  /** Messages with a recipient not yet final, and those recipients by status. */
  readonly messages: number;
  readonly queued: number;
  readonly deferred: number;
  readonly held: number;
  /** Recipients of messages completed since 00:00 UTC: bounced (expired included) and delivered. */
  readonly bouncedToday: number;
  readonly deliveredToday: number;
}

/**
 * What the admin API and CLI need from the queue besides MessageQueue. Actions are one
 * transaction each; an unknown id throws GatewayError E_MESSAGE_UNKNOWN, an action that does
 * not apply (message complete, nothing held, ...) throws E_CONFLICT.
 */
export interface MessageLog {
  get(id: string): MaybePromise<QueuedMessage | undefined>;
  /** The stored message, kept after completion until purgeCompleted. */
  body(id: string): MaybePromise<Buffer | undefined>;
  /** The stored message's header block (before the first blank line) as text; undefined for an unknown or purged id. */
  headers(id: string): MaybePromise<string | undefined>;
  /**
   * The bytes that left for the first client recipient the next hop accepted (after rewrite, tracking and DKIM),
   * kept with the finished body until purgeCompleted; undefined when nothing was accepted yet, or before this was
   * kept.
   */
  asSent?(id: string): MaybePromise<Buffer | undefined>;
  list(filter: MessageLogFilter): MaybePromise<MessageLogPage>;
  summary(tenantId?: string): MaybePromise<QueueSummary>;
  /** Messages of the tenant with a recipient not yet final (held ones included). */
  countPending(tenantId: string): number;
  /** Queued and deferred recipients become due now; held ones stay held. */
  retryNow(id: string, now: number): Promise<QueuedMessage>;
  /** Pending recipients become held: never due until release() or cancel(). */
  hold(id: string, now: number, reason?: string): Promise<QueuedMessage>;
  /** Held recipients become due now (queued if never attempted, else deferred). */
  release(id: string, now: number, reason?: string): Promise<QueuedMessage>;
  /** Every recipient not yet final becomes cancelled (final; no DSN); the message completes. */
  cancel(id: string, now: number, reason: string): Promise<QueuedMessage>;
  /** Deletes records and bodies of messages completed before `olderThan`; returns how many. */
  purgeCompleted(olderThan: number): Promise<number>;
}

/**
 * What the inbound MX learns after delivery (src/feedback/, src/queue/late-outcomes.ts), one LMDB
 * transaction each. Resolve undefined for an unknown message or recipient; nothing written then.
 */
export interface LateOutcomes {
  /**
   * A delivered recipient later bounced: status `bounced`, `reply` (the remote's reason) as lastReply, a history entry.
   */
  lateBounce(id: string, address: string, reply: string, now: number): Promise<QueuedMessage | undefined>;
  /** A note in the recipient's history ("delayed" DSN, auto-reply); the status stays. */
  addNote(id: string, address: string, note: LogNote, reply: string, now: number): Promise<QueuedMessage | undefined>;
}

// ---------------------------------------------------------------- delivery

/**
 * A next hop given per delivery rather than by the config (a tenant's own SMTP server). The
 * password is opened from its sealed form only in memory, for the attempt: routes are never
 * stored, and the log redaction covers `pass` wherever a route is logged.
 */
export interface RelayHop {
  readonly host: string;
  readonly port: number;
  readonly tls: 'implicit' | 'starttls' | 'opportunistic';
  readonly rejectUnauthorized: boolean;
  readonly user?: string;
  readonly pass?: string;
  /** The tenant allowed its password to go to its server without TLS. */
  readonly allowPlaintextAuth?: boolean;
  /**
   * Log in by AUTH XOAUTH2 as `user` (the mailbox) with an access token of the owner's link at this
   * provider, asked for at send time (never in the route: it expires); `pass` is then unset.
   */
  readonly oauth2?: { readonly provider: OAuthProviderName };
}

/**
 * A linked Gmail account as the Gmail transport needs it: the refresh token opened from its
 * sealed form in memory for the attempt only (like RelayHop.pass), the verified send-as
 * addresses, and the daily limit the transport counts against.
 */
export interface GmailAccount {
  readonly address: string;
  readonly aliases: readonly string[];
  readonly refreshToken: string;
  readonly dailyLimit: number;
}

/**
 * A linked Microsoft 365 mailbox as the Graph transport needs it: the refresh token opened for the
 * attempt only, the Graph user id, the addresses it may send as and its daily recipient limit.
 */
export interface MicrosoftAccount {
  readonly address: string;
  readonly userId: string;
  readonly sendAs: readonly string[];
  readonly refreshToken: string;
  readonly dailyRecipientLimit: number;
}

/**
 * A tenant's Peppol access point for one document, as the Peppol transport needs it: the token opened from its sealed
 * form in memory for the attempt only (like RelayHop.pass). The access point looks the receiver up itself.
 */
export interface PeppolHandOff {
  readonly baseUrl: string;
  readonly token: string;
  /** Participant ids, `scheme:value` (`0208:0123456789`). */
  readonly receiver: string;
  readonly sender?: string;
  readonly documentType: 'invoice' | 'credit-note';
}

/** Where a delivery goes. Transports read only the route, never tenant records. */
export type Route =
  | { readonly kind: 'smarthost'; readonly name: string }
  | { readonly kind: 'direct'; readonly domain: string }
  | { readonly kind: 'capture' }
  /**
   * `key` names the hop (a hash of its settings: transports cache connections by it);
   * `owner` is opaque to transports and handed back when the hop itself fails (bad login, no such host).
   */
  | { readonly kind: 'relay'; readonly key: string; readonly owner: string; readonly hop: RelayHop }
  /** Not sent: the address is on the tenant's suppression list (src/feedback/); the transport answers `reply`. */
  | { readonly kind: 'suppressed'; readonly reply: SmtpReply }
  /** The Gmail API of a linked account (`key` names the link; `owner` as for relay). */
  | { readonly kind: 'gmail'; readonly key: string; readonly owner: string; readonly account: GmailAccount }
  /** Microsoft Graph sendMail of a linked Microsoft 365 mailbox (`key` names the link; `owner` as for relay). */
  | { readonly kind: 'microsoft365'; readonly key: string; readonly owner: string; readonly account: MicrosoftAccount }
  /** A UBL document to a tenant's Peppol access point (`key` names it); never stored, planned per attempt. */
  | { readonly kind: 'peppol'; readonly key: string; readonly peppol: PeppolHandOff };

export interface DeliveryResult {
  /** One entry per envelope recipient. */
  readonly recipients: readonly RecipientResult[];
}

/**
 * A transport sends one envelope. It never throws for a remote refusal: refusals and
 * network failures come back as per-recipient results (4xx/network → deferred, 5xx → bounced).
 */
export interface Transport {
  readonly name: string;
  send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult>;
  close(): Promise<void>;
}

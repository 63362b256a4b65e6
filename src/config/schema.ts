import { isIP } from 'node:net';
import { z } from 'zod';
import { parseIpRange } from '../core/ip-match.js';

/**
 * The whole configuration, validated once at start. Every key has a default, so an empty
 * file (or none) starts a working gateway that captures outgoing mail locally (dev mode).
 */
const ms = z.number().int().nonnegative();
const port = z.number().int().min(0).max(65535);

const domainName = z
  .string()
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
    'not a domain name',
  );

/** `"2500-2599"`: from ≤ to, both ports. */
function isPortRange(text: string): boolean {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  return match !== null && Number(match[1]) <= Number(match[2]) && Number(match[2]) <= 65535;
}

/** `192.0.2.53`, `192.0.2.53:53`, `2001:db8::53` or `[2001:db8::53]:53`: an address, never a name to look up. */
function isAddressAndPort(text: string): boolean {
  const match = /^\[(.+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  if (match) return isIP(match[1]!) !== 0 && Number(match[2]) <= 65535;
  return isIP(text) !== 0;
}

const tlsMode = z.enum(['implicit', 'starttls', 'opportunistic', 'none']);

/** The EHLO name and source address of direct delivery over one address family. */
const directSourceSchema = z
  .strictObject({
    helo: z.string().optional(),
    bind: z
      .string()
      .refine((v) => isIP(v) !== 0, 'not an IP address')
      .optional(),
  })
  .prefault({});

export const smarthostSchema = z.strictObject({
  host: z.string().min(1),
  port: port.default(587),
  /** implicit = TLS from the first byte; starttls = required; opportunistic = when offered. */
  tls: tlsMode.default('starttls'),
  rejectUnauthorized: z.boolean().default(true),
  /** PEM file(s) of extra CAs to trust for this hop (tests use a self-signed one). */
  caFile: z.string().optional(),
  user: z.string().optional(),
  pass: z.string().optional(),
  maxConnections: z.number().int().min(1).max(500).default(10),
});

export const configSchema = z.strictObject({
  /** Where the LMDB environment, generated keys and the dev mailbox live. */
  dataDir: z.string().default('./data'),
  /** Our name in the greeting, Received: and generated Message-IDs. */
  hostname: z.string().min(1).default('postbode.localhost'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  smtp: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: port.default(2525),
      /** Implicit-TLS listener (like 465); off when null. */
      tlsPort: port.nullable().default(null),
      certFile: z.string().default('certs/server.crt'),
      keyFile: z.string().default('certs/server.key'),
      maxMessageSize: z
        .number()
        .int()
        .min(1024)
        .default(25 * 1024 * 1024),
      maxRecipients: z.number().int().min(1).default(100),
      /**
       * Where the legacy From leaves as written (no platform.sendingDomain, or own SMTP without a
       * known mailbox), From, Sender and MAIL FROM must be on a domain the tenant verified
       * (550 5.7.1, like Postfix's reject_sender_login_mismatch). False: a plain relay for those
       * (another tenant's and the platform's domains stay refused either way). Null: true, except
       * in delivery.mode capture, where nothing leaves the machine and a developer tries the
       * gateway with any From.
       */
      requireVerifiedSender: z.boolean().nullable().default(null),
      maxClients: z.number().int().min(1).default(1000),
      maxConnectionsPerIp: z.number().int().min(1).default(50),
      /** Idle time allowed between two client lines. */
      socketTimeoutMs: ms.default(60_000),
      /** Total time from MAIL FROM to the end of DATA: cuts off clients that drip bytes. */
      transactionTimeoutMs: ms.default(10 * 60_000),
      /** MAIL commands one connection may give; the next one gets 421 4.7.0 and the connection closes. */
      maxTransactionsPerSession: z.number().int().min(1).default(1000),
      /**
       * Time for one whole command line, from the previous reply (RFC 5321 4.5.3.2.7); bytes dripping in do not extend
       * it.
       */
      commandTimeoutMs: ms.default(5 * 60_000),
      /**
       * Longest a connection may last; a transaction in progress may finish first (bounded by transactionTimeoutMs).
       */
      sessionTimeoutMs: ms.default(30 * 60_000),
      /** Advertise and accept AUTH before STARTTLS (Postfix smtpd_tls_auth_only = no). */
      allowPlaintextAuth: z.boolean().default(false),
      /** NOOP, RSET, VRFY and HELP an unauthenticated session may send before each gets an error and a delay. */
      junkCommandLimit: z.number().int().min(1).default(100),
      /** Delay before the reply to each junk command over the limit, times the number over it (capped at 10×). */
      errorSleepMs: ms.default(1_000),
      /** Messages that arrive with more Received: hops than this are refused as a loop (Postfix hopcount_limit). */
      maxHops: z.number().int().min(1).default(50),
      /** PROXY protocol is read only from these load-balancer addresses; empty = never. */
      proxyProtocolFrom: z.array(z.string()).default([]),
      auth: z
        .strictObject({
          /**
           * Failed AUTH attempts per client IP (IPv6: per /64), and per user name from one client IP, inside the
           * window.
           */
          maxFailuresPerIp: z.number().int().min(1).default(10),
          maxFailuresPerUser: z.number().int().min(1).default(5),
          windowMs: ms.default(15 * 60_000),
          /** Backoff before a failure is answered: from an IP's third failure, doubling up to the maximum. */
          failureDelayMs: ms.default(1_000),
          maxFailureDelayMs: ms.default(10_000),
          /** Failures on one connection before it is closed with 421. */
          maxFailuresPerConnection: z.number().int().min(1).default(3),
          /** How long a verified password stays cached (avoids an scrypt per connection). */
          cacheTtlMs: ms.default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Per-tenant limits: the operator's defaults; an admin overrides them per tenant (PUT /tenants/{id}/limits). */
  limits: z
    .strictObject({
      /** Messages accepted per tenant in a sliding hour / day (this node, in memory); null = no limit. */
      messagesPerHour: z.number().int().min(1).nullable().default(10_000),
      messagesPerDay: z.number().int().min(1).nullable().default(100_000),
      /** Per message; null = smtp.maxRecipients / smtp.maxMessageSize (never above those). */
      recipientsPerMessage: z.number().int().min(1).nullable().default(null),
      maxMessageSize: z.number().int().min(1024).nullable().default(null),
    })
    .prefault({}),
  http: z
    .strictObject({
      /** null = 127.0.0.1 in capture mode (the dev mailbox stays on this machine), else 0.0.0.0; see httpHostOf. */
      host: z.string().nullable().default(null),
      port: port.default(8080),
      /** Where this HTTP server is reachable from the internet: open-tracking pixel URLs start with it. */
      publicBaseUrl: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
      /**
       * Reverse proxies (IPs, CIDR ranges) whose X-Forwarded-For is believed; empty = the socket peer is the client.
       */
      trustedProxies: z
        .array(z.string().refine((v) => parseIpRange(v) !== undefined, 'not an IP address or CIDR range'))
        .default([]),
    })
    .prefault({}),
  queue: z
    .strictObject({
      /** Messages in flight at once (Postfix's active queue). */
      activeWindow: z.number().int().min(1).default(200),
      /** How long finished messages (record and body) stay in the message log before they are purged. */
      retentionMs: ms.default(90 * 24 * 3600_000),
      /** How often held messages are checked against their tenant's review expiry rule (docs/review.md). */
      reviewSweepMs: z.number().int().min(100).default(60_000),
      /**
       * Free bytes the data directory's filesystem must keep; below it new mail gets 452 4.3.1. null = max(64 MiB, 4 ×
       * smtp.maxMessageSize); 0 = off.
       */
      minFreeBytes: z.number().int().min(0).nullable().default(null),
      retry: z
        .strictObject({
          initialDelayMs: ms.default(5 * 60_000),
          maxDelayMs: ms.default(4000_000),
          /** Give up (bounce with "expired") after this long in the queue. */
          maxAgeMs: ms.default(5 * 24 * 3600_000),
          /** ±fraction of random spread on each delay, so that retries do not arrive in waves. */
          jitter: z.number().min(0).max(1).default(0.2),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Processes on this machine (docs/scaling.md): 1 = this process alone; N or auto (one per core) = a primary that
   * starts N worker processes sharing the listeners, and restarts one that dies.
   */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default(1),
  /** Where the queue lives (docs/scaling.md): this node's LMDB, or a PostgreSQL shared by several nodes. */
  store: z
    .strictObject({
      /** lmdb = embedded, one node, no external service; postgres = the queue shared by every node on one database. */
      backend: z.enum(['lmdb', 'postgres']).default('lmdb'),
      /** Unique per running process (its leases carry it); null = the hostname and a random suffix per start. */
      nodeId: z.string().min(1).max(100).nullable().default(null),
      postgres: z
        .strictObject({
          /** postgres://user:password@host:5432/db; required when backend is postgres. */
          url: z.string().min(1).nullable().default(null),
          /** Connections this node opens at most. */
          poolSize: z.number().int().min(2).max(200).default(10),
          /** How long a node's claim on a message holds unrenewed; then another node delivers it. */
          leaseMs: ms.min(1000).default(30_000),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((s) => s.backend !== 'postgres' || s.postgres.url !== null, {
      message: 'store.postgres.url is required when store.backend is postgres',
      path: ['postgres', 'url'],
    }),
  delivery: z
    .strictObject({
      /** capture = keep mail in the local dev mailbox; smarthost = relay via `smarthost`; direct = MX lookup. */
      mode: z.enum(['capture', 'smarthost', 'direct']).default('capture'),
      smarthost: smarthostSchema.optional(),
      direct: z
        .strictObject({
          /** Port on the MX host (25; tests point it at a local sink). */
          port: port.default(25),
          /** host:port of a DNS server to ask for MX/A records; system resolver when unset. */
          resolver: z.string().optional(),
          /** Per address family: the EHLO name (must be the PTR name of the source address) and bind address. */
          ipv4: directSourceSchema,
          ipv6: directSourceSchema,
          /** Honour recipient domains' MTA-STS policies (RFC 8461). */
          mtaSts: z.boolean().default(true),
          /** Bound on one MTA-STS policy fetch (connect, TLS and body). */
          mtaStsTimeoutMs: ms.default(10_000),
          /**
           * host:port of a DNSSEC-validating resolver the operator trusts (its AD bit is believed): DANE (RFC 7672)
           * is checked through it. Unset: no DANE.
           */
          dnssecResolver: z.string().refine(isAddressAndPort, 'an IP address, optionally with :port').optional(),
          /** TLS-RPT (RFC 8460): daily reports to the recipient domains that ask for them. */
          tlsReports: z
            .strictObject({
              enabled: z.boolean().default(true),
              /** Sender of the reports; `tlsrpt-noreply@<hostname>` when unset. */
              from: z.string().optional(),
              /** organization-name in the reports; the hostname when unset. */
              organization: z.string().optional(),
            })
            .prefault({}),
        })
        .prefault({}),
      /** Parallel deliveries to one destination (smarthost or recipient domain). */
      concurrencyPerDestination: z.number().int().min(1).default(20),
      /**
       * Largest share of the active window, and of one destination's slots, a tenant holds while another tenant's mail
       * waits.
       */
      maxShareOfSlots: z.number().gt(0).max(1).default(0.5),
      /** Timeouts for the next hop. */
      connectTimeoutMs: ms.default(30_000),
      /** Time allowed for the whole SMTP conversation of one message. */
      sendTimeoutMs: ms.default(5 * 60_000),
      /** Envelope sender and From of the DSNs Postbode makes. */
      bounceFrom: z.string().default('MAILER-DAEMON'),
      /**
       * Ranges inside the network (loopback, private, ...) that tenant-chosen targets may still reach; none by default.
       */
      allowPrivateTargets: z
        .array(z.string().refine((v) => parseIpRange(v) !== undefined, 'not an IP address or CIDR range'))
        .default([]),
      /** Ports a tenant's own SMTP server may use: single ports or "from-to" ranges. */
      allowedTenantPorts: z
        .array(z.union([port, z.string().refine(isPortRange, 'a port or a "from-to" range of ports')]))
        .default([25, 465, 587, 2525]),
      /** Test-sends per tenant within testSendWindowMs (the rest answer 429). */
      testSendsPerWindow: z.number().int().min(1).default(5),
      testSendWindowMs: ms.min(1000).default(10 * 60_000),
    })
    .prefault({})
    .refine((d) => d.mode !== 'smarthost' || d.smarthost !== undefined, {
      message: 'delivery.smarthost is required when delivery.mode is smarthost',
      path: ['smarthost'],
    }),
  /** The platform's own sending identity, used by tenants in forwarding mode (src/pipeline/shared.ts). */
  platform: z
    .strictObject({
      /**
       * Domain of the forwarding addresses: `From: "Tenant" <local-part@sendingDomain>`. Null: the
       * platform has no domain to send from, so mail keeps the From the legacy software wrote
       * (a plain relay); own SMTP servers and extra recipients still work.
       */
      sendingDomain: domainName.nullable().default(null),
      /** Domain of the VERP envelope senders (`bounces+<token>@bounceDomain`); sendingDomain when null. */
      bounceDomain: domainName.nullable().default(null),
      /** Local part before the `+` of the VERP envelope sender. */
      bounceLocalPart: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/, 'letters, digits and . _ - only')
        .default('bounces'),
    })
    .prefault({}),
  /** What mail tells its recipients about the legacy machine that sent it (src/pipeline/sender/client-trace.ts). */
  privacy: z
    .strictObject({
      /**
       * false: the client's Received: line (its host name and address) and X-Postbode-Original-From
       * stay in the stored message and the message log but do not leave; true: both leave (the
       * latter only for tenants with keepOriginalFrom on).
       */
      keepClientTrace: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Gmail mode (src/tenants/gmail/): the platform's Google OAuth client and Google's endpoints (tests point them at a
   * fake).
   */
  gmail: z
    .strictObject({
      /** The OAuth client of the platform's Google Cloud project; null (default) = Gmail mode unavailable. */
      clientId: z.string().min(1).nullable().default(null),
      clientSecret: z.string().min(1).nullable().default(null),
      /** The OAuth callback Google sends the browser back to; null = `${http.publicBaseUrl}/oauth/google/callback`. */
      redirectUrl: z
        .url({ protocol: /^https?$/ })
        .nullable()
        .default(null),
      authUrl: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
      tokenUrl: z.url().default('https://oauth2.googleapis.com/token'),
      revokeUrl: z.url().default('https://oauth2.googleapis.com/revoke'),
      /** Root of the Gmail API (send, upload, profile, sendAs.list). */
      apiRootUrl: z.url().default('https://gmail.googleapis.com/'),
      /** Messages above this size go through the upload (media) endpoint. */
      uploadThresholdBytes: z.number().int().min(1).default(3_500_000),
      /** Gmail's own limit: bigger mail from a tenant in Gmail mode is refused at SMTP time (552). */
      maxMessageBytes: z
        .number()
        .int()
        .min(1024)
        .default(35 * 1024 * 1024),
      /**
       * Messages per link per UTC day unless the link sets its own (Google: 2,000 for Workspace, 500 for gmail.com).
       */
      defaultDailyLimit: z.number().int().min(1).default(2000),
      /** How long a consent link (its `state`) stays valid. */
      stateTtlMs: ms.default(10 * 60_000),
    })
    .prefault({}),
  /**
   * Microsoft 365 mode (src/tenants/microsoft/): the platform's multi-tenant Entra app and Microsoft's endpoints
   * (tests point them at a fake). docs/microsoft-365.md walks through the app registration.
   */
  microsoft365: z
    .strictObject({
      /** The Entra app's application (client) id; null (default) = Microsoft 365 mode unavailable. */
      clientId: z.string().min(1).nullable().default(null),
      clientSecret: z.string().min(1).nullable().default(null),
      /** The redirect URI registered with the app; null = `${http.publicBaseUrl}/oauth/microsoft/callback`. */
      redirectUrl: z
        .url({ protocol: /^https?$/ })
        .nullable()
        .default(null),
      /** The identity platform authority: `common` takes work accounts of any organisation. */
      authorityUrl: z.url().default('https://login.microsoftonline.com/common'),
      /** Root of Microsoft Graph (`/v1.0/me`, `/v1.0/users/{id}/sendMail`). */
      graphUrl: z.url().default('https://graph.microsoft.com'),
      /** Graph's limit on one request: the base64 MIME body counts (4 MB); bigger mail goes as a draft + uploads. */
      maxRequestBytes: z
        .number()
        .int()
        .min(1024)
        .default(4 * 1024 * 1024),
      /** Largest message a tenant in this mode may submit (never above smtp.maxMessageSize, which still applies). */
      maxMessageBytes: z
        .number()
        .int()
        .min(1024)
        .default(150 * 1024 * 1024),
      /** Recipients per link per UTC day unless the link sets its own (Exchange Online: 10,000). */
      defaultDailyRecipientLimit: z.number().int().min(1).default(10_000),
      /** How long a consent link (its `state`) stays valid. */
      stateTtlMs: ms.default(10 * 60_000),
    })
    .prefault({}),
  /**
   * Inbound MX for the platform domains (src/feedback/): bounces, replies, suppression. Listens only when
   * platform.sendingDomain is set.
   */
  mx: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('0.0.0.0'),
      port: port.default(25),
      /**
       * Hard bounces of one address that put it on the tenant's suppression list; "user unknown" (5.1.1-type) ones
       * count against `userUnknownBounces`.
       */
      hardBounces: z.number().int().min(1).default(3),
      userUnknownBounces: z.number().int().min(1).default(1),
    })
    .prefault({}),
  /** The audit log of API changes (`audit/…` in `<dataDir>/db`). */
  audit: z
    .strictObject({
      /** Entries older than this are purged (hourly); 0 keeps them forever. */
      retentionMs: ms.default(2 * 365 * 24 * 3600_000),
    })
    .prefault({}),
  /** Tenant domains and DKIM (src/tenants/domains/): DNS checks, re-checks, key rotation. */
  dns: z
    .strictObject({
      /** host:port of the DNS server the domain checks ask; null = the system resolver. */
      resolver: z.string().nullable().default(null),
      /** The platform's SPF include tenants add to their SPF record; null = `_spf.<platform.sendingDomain>`. */
      spfInclude: domainName.nullable().default(null),
      /** Where the DMARC record we propose sends reports; null = postmaster@<tenant domain>. */
      dmarcReportAddress: z.string().nullable().default(null),
      /** How often active and failing domains are checked again; 0 = never. */
      recheckEveryMs: ms.default(24 * 3600_000),
      /** How long a replaced DKIM key stays published (listed as retiring) after a rotation. */
      rotationGraceMs: ms.default(7 * 24 * 3600_000),
    })
    .prefault({}),
  /** Tenants' webhook endpoints (src/webhooks/, docs/webhooks.md). */
  webhooks: z
    .strictObject({
      /** Allow `http://` endpoint URLs (only for endpoints inside a trusted network); https only by default. */
      allowHttp: z.boolean().default(false),
      maxEndpointsPerTenant: z.number().int().min(1).max(100).default(10),
      /** Time allowed for one delivery: connect, send, and the receiver's answer. */
      timeoutMs: ms.min(100).default(10_000),
      /** First retry after this; each next one waits twice as long, up to maxDelayMs. */
      initialDelayMs: ms.min(10).default(5_000),
      maxDelayMs: ms.min(10).default(4 * 3600_000),
      /** A delivery still failing this long after its event is marked failed (it can be replayed). */
      retryForMs: ms.min(1000).default(24 * 3600_000),
      /** An endpoint that has failed without one success for this long is disabled (the tenant enables it again). */
      disableAfterMs: ms.min(1000).default(24 * 3600_000),
      /** Deliveries in flight at once, over all endpoints, and per endpoint. */
      concurrency: z.number().int().min(1).max(256).default(16),
      perEndpoint: z.number().int().min(1).max(16).default(2),
      /** How often the dispatcher looks at the outbox and due retries. */
      pollMs: ms.min(10).default(1000),
      /** Events and deliveries are kept this long for the delivery list and replay. */
      retentionMs: ms.min(1000).default(7 * 24 * 3600_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type SmarthostConfig = z.infer<typeof smarthostSchema>;

/**
 * Honest "read" status. Pixels are also fetched by machines, and no tool in this space tells
 * the user so. We classify each open:
 *
 * - Apple Mail Privacy Protection fetches every remote image through Apple's proxies when the
 *   mail arrives, whether or not anyone reads it. Those requests carry a bare "Mozilla/5.0"
 *   user agent (Apple Mail itself sends a full WebKit string). → probably-automated.
 * - Security gateways and link scanners (Proofpoint, Mimecast, Barracuda, Microsoft/Defender
 *   Safe Links, ...) and scripts (curl, python-requests, headless browsers, bots) fetch to scan,
 *   not to read. → probably-automated. So does a request without any user agent.
 * - Image proxies of webmail (Gmail's GoogleImageProxy, Yahoo, Outlook.com) fetch when the
 *   user opens the mail (and cache afterwards), so alone they are ambiguous: human, unless the
 *   fetch came within seconds of delivery, which is a scanner's timing, not a person's.
 * - Any open within 5 s of delivery (or before our delivery record, when a gateway scanned during
 *   the SMTP transaction) is probably automated: people do not open mail that fast.
 */
export type OpenClass = 'human' | 'probably-automated';

export interface OpenEvent {
  readonly userAgent?: string | undefined;
  readonly openedAt: number;
  /** When the next hop accepted the message; undefined when unknown. */
  readonly deliveredAt?: number | undefined;
}

export interface OpenVerdict {
  readonly kind: OpenClass;
  readonly reason: string;
}

/** Opens sooner than this after delivery are a machine's. */
export const MIN_HUMAN_DELAY_MS = 5_000;

const APPLE_MPP = /^Mozilla\/5\.0$/;
const SCANNERS: readonly (readonly [RegExp, string])[] = [
  [/proofpoint|ppops/i, 'Proofpoint'],
  [/mimecast/i, 'Mimecast'],
  [/barracuda/i, 'Barracuda'],
  [/symantec|messagelabs|broadcom/i, 'Symantec'],
  [/trend ?micro/i, 'Trend Micro'],
  [/forcepoint|websense/i, 'Forcepoint'],
  [/sophos/i, 'Sophos'],
  [/ironport|cisco/i, 'Cisco'],
  [/fireeye|trellix/i, 'Trellix'],
  [/zscaler/i, 'Zscaler'],
  [/safelinks|defender|microsoft url|bingpreview/i, 'Microsoft link scanner'],
  [/headlesschrome|phantomjs|puppeteer|playwright/i, 'headless browser'],
  [
    new RegExp(
      [
        'curl/|wget/|python-requests|python-urllib|aiohttp|go-http-client|',
        'java/|okhttp|libwww-perl|node-fetch|axios|httpclient',
      ].join(''),
      'i',
    ),
    'script',
  ],
  [/bot\b|bot\/|crawler|spider|slurp|facebookexternalhit|preview/i, 'bot or link preview'],
];
const WEBMAIL_PROXY = /GoogleImageProxy|ggpht\.com|YahooMailProxy|outlook-?(?:com)?-?proxy/i;

export function explainOpen(event: OpenEvent): OpenVerdict {
  const ua = (event.userAgent ?? '').trim();
  if (ua === '') return { kind: 'probably-automated', reason: 'no user agent' };
  if (APPLE_MPP.test(ua)) return { kind: 'probably-automated', reason: 'Apple Mail Privacy Protection prefetch' };
  for (const [pattern, name] of SCANNERS) {
    if (pattern.test(ua)) return { kind: 'probably-automated', reason: `${name} user agent` };
  }
  if (event.deliveredAt !== undefined) {
    const delay = event.openedAt - event.deliveredAt;
    if (delay < MIN_HUMAN_DELAY_MS)
      return { kind: 'probably-automated', reason: `opened ${Math.round(delay / 100) / 10} s after delivery` };
  }
  if (WEBMAIL_PROXY.test(ua)) return { kind: 'human', reason: 'webmail image proxy, fetched when the mail was opened' };
  return { kind: 'human', reason: 'mail client' };
}

export function classifyOpen(event: OpenEvent): OpenClass {
  return explainOpen(event).kind;
}

import { describe, expect, it } from 'vitest';
import { classifyOpen, explainOpen } from '../../../src/feedback/opens/classify-open.js';

const DELIVERED = Date.UTC(2024, 3, 2, 10, 0, 0);
const LATER = DELIVERED + 3 * 3600_000;

const UA = {
  appleMail: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  appleMpp: 'Mozilla/5.0',
  gmail: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  yahoo: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
  outlook: 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)',
  thunderbird: 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.9.0',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  proofpoint: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) ppops-3a1b',
  mimecast: 'Mimecast-URL-Protect/1.0',
  barracuda: 'Barracuda Sentinel (EE)',
  curl: 'curl/8.5.0',
  python: 'python-requests/2.31.0',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  slack: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
};

describe('classifyOpen', () => {
  it.each([
    ['Apple Mail, hours later', UA.appleMail, LATER, 'human'],
    ['iPhone Mail, hours later', UA.iphone, LATER, 'human'],
    ['Outlook desktop, minutes later', UA.outlook, DELIVERED + 120_000, 'human'],
    ['Thunderbird', UA.thunderbird, LATER, 'human'],
    ['Gmail image proxy, hours later', UA.gmail, LATER, 'human'],
    ['Gmail image proxy, 10 s later', UA.gmail, DELIVERED + 10_000, 'human'],
    ['Gmail image proxy, 2 s after delivery', UA.gmail, DELIVERED + 2_000, 'probably-automated'],
    ['Yahoo proxy, hours later', UA.yahoo, LATER, 'human'],
    ['Apple Mail Privacy Protection, any time', UA.appleMpp, LATER, 'probably-automated'],
    ['Proofpoint scanner', UA.proofpoint, LATER, 'probably-automated'],
    ['Mimecast', UA.mimecast, LATER, 'probably-automated'],
    ['Barracuda', UA.barracuda, LATER, 'probably-automated'],
    ['curl', UA.curl, LATER, 'probably-automated'],
    ['python-requests', UA.python, LATER, 'probably-automated'],
    ['headless Chrome', UA.headless, LATER, 'probably-automated'],
    ['Slack link preview', UA.slack, LATER, 'probably-automated'],
    ['no user agent', '', LATER, 'probably-automated'],
    ['a real client within a second of delivery', UA.appleMail, DELIVERED + 800, 'probably-automated'],
    ['a gateway scan before our delivery record', UA.outlook, DELIVERED - 300, 'probably-automated'],
    ['exactly 5 s after delivery', UA.thunderbird, DELIVERED + 5_000, 'human'],
  ] as const)('%s → %s', (_name, userAgent, openedAt, expected) => {
    expect(classifyOpen({ userAgent, openedAt, deliveredAt: DELIVERED })).toBe(expected);
  });

  it('skips the timing rule when the delivery time is unknown', () => {
    expect(classifyOpen({ userAgent: UA.gmail, openedAt: DELIVERED })).toBe('human');
    expect(classifyOpen({ userAgent: undefined, openedAt: DELIVERED })).toBe('probably-automated');
  });

  it('gives the reason for the log', () => {
    expect(explainOpen({ userAgent: UA.appleMpp, openedAt: LATER, deliveredAt: DELIVERED }).reason).toBe(
      'Apple Mail Privacy Protection prefetch',
    );
    expect(explainOpen({ userAgent: UA.gmail, openedAt: DELIVERED + 1_500, deliveredAt: DELIVERED }).reason).toBe(
      'opened 1.5 s after delivery',
    );
    expect(explainOpen({ userAgent: UA.proofpoint, openedAt: LATER, deliveredAt: DELIVERED }).reason).toBe(
      'Proofpoint user agent',
    );
  });
});

import { rfc5322Date } from '../../core/rfc5322-date.js';
import { alertReason } from './alert-reason.js';
import { alertWords, fillIn, type AlertLanguage } from './alert-texts.js';

/** One failed invoice recipient, as an alert tells it (kept as it is in a pending digest). */
export interface AlertItem {
  readonly queueId: string;
  readonly address: string;
  /** expired: the queue gave up retrying (a bounce of ours). */
  readonly event: 'bounced' | 'deferred' | 'expired';
  /** The reply as recorded ("550 5.1.1 ..."), for the plain reason. */
  readonly reply: string;
  /** "invoice 2024-017" in the tenant's language when the content stage found the document; else undefined. */
  readonly document?: string;
  readonly subject?: string;
  /** Hours since the message came in (for a deferral). */
  readonly hours: number;
  readonly at: number;
}

export interface AlertMail {
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly hostname: string;
  readonly language: AlertLanguage;
  readonly items: readonly AlertItem[];
  /** The settings page's link to one message, given its queue id. */
  readonly linkOf: (queueId: string) => string;
  readonly now: number;
}

/** Header text is one line of printable text: a subject or address from a remote never breaks the header. */
function oneLine(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .trim()
    .slice(0, 200);
}

function what(item: AlertItem, language: AlertLanguage): string {
  return item.document ?? fillIn(alertWords(language).message, { subject: oneLine(item.subject ?? '') });
}

/** The sentence and the link for one item. */
export function alertLines(item: AlertItem, language: AlertLanguage, link: string): string[] {
  const words = alertWords(language);
  const values = {
    what: what(item, language),
    address: item.address,
    reason: fillIn(words.reasons[alertReason(item.reply, item.event)], { hours: item.hours }),
    hours: item.hours,
    link,
  };
  return [fillIn(item.event === 'deferred' ? words.deferred : words.bounced, values), fillIn(words.action, values)];
}

export function alertSubject(m: Pick<AlertMail, 'items' | 'language'>): string {
  const words = alertWords(m.language);
  const [first] = m.items;
  if (m.items.length === 1 && first)
    return oneLine(fillIn(words.subject, { what: what(first, m.language), address: first.address }));
  return fillIn(words.digestSubject, { count: m.items.length });
}

const encodedWord = (text: string): string => `=?utf-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

/** One alert (one item) or a digest (several): plain text in the tenant's language, from the mail system. */
export function alertMail(m: AlertMail): Buffer {
  const words = alertWords(m.language);
  const body =
    m.items.length === 1
      ? m.items.flatMap((i) => alertLines(i, m.language, m.linkOf(i.queueId)))
      : [words.digestIntro, '', ...m.items.flatMap((i) => [...alertLines(i, m.language, m.linkOf(i.queueId)), ''])];
  const lines = [
    `From: Postbode <${m.from}>`,
    `To: <${m.to}>`,
    `Subject: ${encodedWord(alertSubject(m))}`,
    `Date: ${rfc5322Date(m.now)}`,
    `Message-ID: <${m.id.toLowerCase()}.bounce-alert@${m.hostname}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    `Content-Language: ${m.language}`,
    '',
    ...body,
    '',
    words.footer,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

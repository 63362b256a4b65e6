import { rfc5322Date } from '../core/rfc5322-date.js';

export interface ConfirmationMail {
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly hostname: string;
  readonly tenantName: string;
  readonly link: string;
  readonly expiresAt: number;
  readonly now: number;
}

/**
 * The one-time link to the address a tenant wants replies forwarded to. Plain text only:
 * the link is all the recipient needs, and it confirms nothing by itself being opened
 * (the page asks for a button press, so link scanners that prefetch it change nothing).
 */
export function confirmationMail(m: ConfirmationMail): Buffer {
  const name = m.tenantName.replace(/[\r\n]+/g, ' ');
  const lines = [
    `From: Postbode <${m.from}>`,
    `To: <${m.to}>`,
    'Subject: Confirm that replies may be forwarded to this address',
    `Date: ${rfc5322Date(m.now)}`,
    `Message-ID: <${m.id.toLowerCase()}.reply-address@${m.hostname}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `The sender "${name}" asked Postbode to forward the replies its customers send`,
    `to ${m.to}.`,
    '',
    'Nothing is forwarded until you confirm. To confirm, open this link and press the button:',
    '',
    m.link,
    '',
    `The link works once, until ${rfc5322Date(m.expiresAt)}.`,
    'If you did not expect this, ignore this message: no replies will reach you.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

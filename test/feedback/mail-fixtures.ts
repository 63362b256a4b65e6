/** Hand-written inbound mail for the MX tests: what remote servers and people send back. */
const CRLF = '\r\n';
const lines = (...l: string[]): string => l.join(CRLF);

/** An RFC 3464 DSN in Postfix's style: a text part, the delivery-status part, the returned headers. */
export function standardDsn(opts: {
  to: string;
  recipient: string;
  action: 'failed' | 'delayed';
  status: string;
  diagnostic: string;
  messageId?: string;
}): string {
  return lines(
    'From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)',
    `To: ${opts.to}`,
    'Subject: ' +
      (opts.action === 'failed' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="=_report_1"',
    '',
    '--=_report_1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.customer.test.',
    '',
    '--=_report_1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    'Arrival-Date: Sat, 28 Nov 2026 08:00:00 +0100',
    '',
    `Final-Recipient: rfc822; ${opts.recipient}`,
    `Original-Recipient: rfc822;${opts.recipient}`,
    `Action: ${opts.action}`,
    `Status: ${opts.status}`,
    `Diagnostic-Code: smtp; ${opts.diagnostic}`,
    '',
    '--=_report_1',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${opts.messageId ?? '<unknown@example.test>'}`,
    'Subject: Factuur 2024-0012',
    '',
    '--=_report_1--',
    '',
  );
}

/** A Gmail-style free-text bounce (no multipart/report). */
export function gmailTextBounce(to: string, recipient: string): string {
  return lines(
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.test>',
    `To: ${to}`,
    'Subject: Delivery Status Notification (Failure)',
    'Auto-Submitted: auto-replied',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    `Address not found`,
    '',
    `Your message wasn't delivered to ${recipient} because the address couldn't be found, or is unable to ` +
      'receive mail.',
    '',
    'The response from the remote server was:',
    '550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the ' +
      `recipient's email address.`,
    '',
  );
}

export function personReply(opts: {
  to: string;
  from: string;
  messageId: string;
  inReplyTo?: string;
  extra?: string[];
}): string {
  return lines(
    `From: Jan Klant <${opts.from}>`,
    `To: ${opts.to}`,
    'Subject: Re: Factuur 2024-0012',
    `Message-ID: ${opts.messageId}`,
    ...(opts.inReplyTo ? [`In-Reply-To: ${opts.inReplyTo}`] : []),
    'X-Mailer: Klantmail 1.0',
    ...(opts.extra ?? []),
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Dank, ik betaal volgende week.',
    '',
  );
}

export function outOfOffice(opts: { to: string; from: string; inReplyTo: string }): string {
  return lines(
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    'Subject: Automatisch antwoord: Factuur 2024-0012',
    'Auto-Submitted: auto-replied',
    `In-Reply-To: ${opts.inReplyTo}`,
    `Message-ID: <ooo-${Math.random().toString(36).slice(2)}@customer.test>`,
    '',
    'Ik ben afwezig tot maandag.',
    '',
  );
}

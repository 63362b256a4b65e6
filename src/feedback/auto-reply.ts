/**
 * Is this message an automatic answer rather than a person's reply? Looked at in order:
 * RFC 3834 Auto-Submitted (anything but "no"), the X-Autoreply / X-Autorespond family,
 * Precedence auto_reply (bulk and junk are list mail, not answers to us), and last the
 * common out-of-office subjects (English, Dutch, German, French, Spanish).
 */
export interface AutoReplyHeaders {
  /** Lower-case header name → first value. */
  get(name: string): string | undefined;
}

/** Out-of-office subject openings, as regex sources. */
const OUT_OF_OFFICE_PHRASES = [
  'auto(?:matic)?[ -]?(?:reply|response|antwort)',
  'out of (?:the )?office',
  'abwesenheitsnotiz',
  'afwezig',
  'automatisch antwoord',
  'niet aanwezig',
  'absence',
  'r[ée]ponse automatique',
  'fuera de la oficina',
  'respuesta autom[aá]tica',
  'vacation',
];

const OUT_OF_OFFICE_SUBJECT = new RegExp(String.raw`^\s*(?:${OUT_OF_OFFICE_PHRASES.join('|')})\b`, 'i');

export function autoReplyReason(headers: AutoReplyHeaders): string | undefined {
  const auto = headers.get('auto-submitted')?.trim().toLowerCase();
  if (auto !== undefined && auto !== '' && !auto.startsWith('no')) return `Auto-Submitted: ${auto}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
    if (headers.get(name) !== undefined) return name;
  }
  if (headers.get('precedence')?.trim().toLowerCase() === 'auto_reply') return 'Precedence: auto_reply';
  const subject = headers.get('subject');
  if (subject !== undefined && OUT_OF_OFFICE_SUBJECT.test(subject)) return 'out-of-office subject';
  return undefined;
}

import { rfc5322Date } from '../../core/rfc5322-date.js';
import type { ReportSummary } from './report-summary.js';
import { reportText, type ReportLanguage } from './report-texts.js';

export interface DigestMail {
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly hostname: string;
  readonly language: ReportLanguage;
  readonly summaries: readonly ReportSummary[];
  readonly now: number;
}

interface Labels {
  readonly subject: string;
  readonly intro: string;
  readonly messages: string;
  readonly senders: string;
  readonly tls: string;
  readonly fix: string;
  readonly footer: string;
}

const LABELS: Readonly<Record<ReportLanguage, Labels>> = {
  en: {
    subject: 'Your domain this week: who sends as it, and what to fix',
    intro: 'The reports receivers sent about your domain over the last seven days.',
    messages:
      '{messages} messages reported: DMARC passed {pass}, failed {fail} (DKIM passed {dkim}, SPF passed {spf}).',
    senders: 'Sent from (address: messages, failed):',
    tls: 'TLS connections: {ok} succeeded, {failed} failed.',
    fix: 'What to fix:',
    footer: 'You get this summary weekly while reports arrive. The details are on the domain page of your settings.',
  },
  nl: {
    subject: 'Uw domein deze week: wie verstuurt namens u, en wat te verhelpen',
    intro: 'De rapporten die ontvangers de afgelopen zeven dagen over uw domein stuurden.',
    messages:
      '{messages} berichten gerapporteerd: DMARC geslaagd {pass}, gefaald {fail} (DKIM geslaagd {dkim}, SPF ' +
      'geslaagd {spf}).',
    senders: 'Verstuurd vanaf (adres: berichten, gefaald):',
    tls: 'TLS-verbindingen: {ok} geslaagd, {failed} mislukt.',
    fix: 'Wat te verhelpen:',
    footer:
      'U krijgt dit overzicht wekelijks zolang er rapporten binnenkomen. De details staan op de domeinpagina ' +
      'van uw instellingen.',
  },
  fr: {
    subject: 'Votre domaine cette semaine : qui envoie en son nom, et quoi corriger',
    intro: 'Les rapports envoyés par les destinataires au sujet de votre domaine ces sept derniers jours.',
    messages:
      '{messages} messages rapportés : DMARC réussi {pass}, échoué {fail} (DKIM réussi {dkim}, SPF réussi {spf}).',
    senders: 'Envoyés depuis (adresse : messages, échoués) :',
    tls: 'Connexions TLS : {ok} réussies, {failed} échouées.',
    fix: 'À corriger :',
    footer:
      'Vous recevez ce résumé chaque semaine tant que des rapports arrivent. Les détails sont sur la page du ' +
      'domaine de vos paramètres.',
  },
  de: {
    subject: 'Ihre Domain diese Woche: wer in ihrem Namen sendet, und was zu beheben ist',
    intro: 'Die Berichte, die Empfänger in den letzten sieben Tagen über Ihre Domain gesendet haben.',
    messages:
      '{messages} Nachrichten gemeldet: DMARC bestanden {pass}, nicht bestanden {fail} (DKIM bestanden {dkim}, ' +
      'SPF bestanden {spf}).',
    senders: 'Gesendet von (Adresse: Nachrichten, nicht bestanden):',
    tls: 'TLS-Verbindungen: {ok} erfolgreich, {failed} fehlgeschlagen.',
    fix: 'Zu beheben:',
    footer:
      'Sie erhalten diese Übersicht wöchentlich, solange Berichte eintreffen. Die Details stehen auf der ' +
      'Domain-Seite Ihrer Einstellungen.',
  },
};

/** Sending addresses a digest lists per domain (the API and the settings page list more). */
const DIGEST_SOURCES = 5;

function fillIn(template: string, values: Readonly<Record<string, number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

function domainLines(s: ReportSummary, labels: Labels, lang: ReportLanguage): string[] {
  const d = s.dmarc;
  const lines = [s.domain, '-'.repeat(Math.min(s.domain.length, 78))];
  if (d.reports > 0) {
    const counts = { messages: d.messages, pass: d.dmarc.pass, fail: d.dmarc.fail, dkim: d.dkim.pass, spf: d.spf.pass };
    lines.push(fillIn(labels.messages, counts), labels.senders);
    for (const src of d.sources.slice(0, DIGEST_SOURCES)) lines.push(`  ${src.ip}: ${src.messages}, ${src.fail}`);
  }
  if (s.tls.reports > 0) lines.push(fillIn(labels.tls, { ok: s.tls.successes, failed: s.tls.failures }));
  lines.push(labels.fix);
  for (const a of s.whatToFix) lines.push(`- ${reportText(a.code, a.params, lang)}`);
  return [...lines, ''];
}

/** The weekly digest: plain text in the tenant's language, one section per domain that had reports. */
export function digestMail(m: DigestMail): Buffer {
  const labels = LABELS[m.language];
  const subject = `=?utf-8?B?${Buffer.from(labels.subject, 'utf8').toString('base64')}?=`;
  const lines = [
    `From: Postbode <${m.from}>`,
    `To: <${m.to}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(m.now)}`,
    `Message-ID: <${m.id.toLowerCase()}.report-digest@${m.hostname}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    `Content-Language: ${m.language}`,
    '',
    labels.intro,
    '',
    ...m.summaries.flatMap((s) => domainLines(s, labels, m.language)),
    labels.footer,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

export function digestSubject(language: ReportLanguage): string {
  return LABELS[language].subject;
}

import type { AlertReason } from './alert-reason.js';

/** The languages alerts are written in: the tenant's content language, English for any other. */
export type AlertLanguage = 'nl' | 'fr' | 'en' | 'de';

export function alertLanguage(language: string | undefined): AlertLanguage {
  const primary = (language ?? '').toLowerCase().split('-')[0];
  return primary === 'nl' || primary === 'fr' || primary === 'de' ? primary : 'en';
}

interface Words {
  readonly subject: string;
  readonly digestSubject: string;
  readonly bounced: string;
  readonly deferred: string;
  readonly message: string;
  readonly action: string;
  readonly digestIntro: string;
  readonly footer: string;
  readonly reasons: Readonly<Record<AlertReason, string>>;
}

/** {what}: "invoice 2024-017" or `message "subject"`; {address}; {reason}; {hours}; {link}. */
const WORDS: Readonly<Record<AlertLanguage, Words>> = {
  en: {
    subject: 'Not delivered: {what} to {address}',
    digestSubject: 'Mail that could not be delivered ({count})',
    bounced: 'Your {what} to {address} could not be delivered: {reason}.',
    deferred: 'Your {what} to {address} has still not been delivered after {hours} hours: {reason}.',
    message: 'message "{subject}"',
    action: 'Check the address and resend: {link}',
    digestIntro: 'These messages could not be delivered:',
    footer: 'You get this mail at your "send replies to" address. Alerts are set on the Messages page.',
    reasons: {
      'mailbox-unknown': 'the mailbox does not exist',
      'domain-unknown': 'the domain of the address does not exist or takes no mail',
      'mailbox-full': 'the mailbox is full',
      'too-big': 'the message is too large for the receiving server',
      blocked: 'the receiving server refused it as unwanted',
      delayed: 'the receiving server does not accept it yet; Postbode keeps trying',
      'gave-up': 'the receiving server did not accept it for {hours} hours, so Postbode stopped trying',
      refused: 'the receiving server refused it',
    },
  },
  nl: {
    subject: 'Niet afgeleverd: {what} aan {address}',
    digestSubject: 'E-mail die niet afgeleverd kon worden ({count})',
    bounced: 'Uw {what} aan {address} kon niet afgeleverd worden: {reason}.',
    deferred: 'Uw {what} aan {address} is na {hours} uur nog altijd niet afgeleverd: {reason}.',
    message: 'bericht "{subject}"',
    action: 'Controleer het adres en verstuur opnieuw: {link}',
    digestIntro: 'Deze berichten konden niet afgeleverd worden:',
    footer: 'U krijgt deze e-mail op uw adres voor antwoorden. De meldingen stelt u in op de pagina Berichten.',
    reasons: {
      'mailbox-unknown': 'de mailbox bestaat niet',
      'domain-unknown': 'het domein van het adres bestaat niet of ontvangt geen e-mail',
      'mailbox-full': 'de mailbox is vol',
      'too-big': 'het bericht is te groot voor de ontvangende server',
      blocked: 'de ontvangende server weigerde het als ongewenst',
      delayed: 'de ontvangende server neemt het nog niet aan; Postbode blijft het proberen',
      'gave-up': 'de ontvangende server nam het {hours} uur lang niet aan, dus Postbode is gestopt met proberen',
      refused: 'de ontvangende server weigerde het',
    },
  },
  fr: {
    subject: 'Non distribué : {what} à {address}',
    digestSubject: "E-mails qui n'ont pas pu être distribués ({count})",
    bounced: "Votre {what} à {address} n'a pas pu être distribué(e) : {reason}.",
    deferred: "Votre {what} à {address} n'est toujours pas distribué(e) après {hours} heures : {reason}.",
    message: 'message « {subject} »',
    action: "Vérifiez l'adresse et renvoyez : {link}",
    digestIntro: "Ces messages n'ont pas pu être distribués :",
    footer: 'Vous recevez cet e-mail à votre adresse de réponse. Les alertes se règlent sur la page Messages.',
    reasons: {
      'mailbox-unknown': "la boîte aux lettres n'existe pas",
      'domain-unknown': "le domaine de l'adresse n'existe pas ou ne reçoit pas d'e-mails",
      'mailbox-full': 'la boîte aux lettres est pleine',
      'too-big': 'le message est trop volumineux pour le serveur destinataire',
      blocked: "le serveur destinataire l'a refusé comme indésirable",
      delayed: "le serveur destinataire ne l'accepte pas encore ; Postbode continue d'essayer",
      'gave-up': "le serveur destinataire ne l'a pas accepté pendant {hours} heures, Postbode a donc arrêté d'essayer",
      refused: "le serveur destinataire l'a refusé",
    },
  },
  de: {
    subject: 'Nicht zugestellt: {what} an {address}',
    digestSubject: 'E-Mails, die nicht zugestellt werden konnten ({count})',
    bounced: 'Ihre {what} an {address} konnte nicht zugestellt werden: {reason}.',
    deferred: 'Ihre {what} an {address} ist nach {hours} Stunden noch immer nicht zugestellt: {reason}.',
    message: 'Nachricht „{subject}“',
    action: 'Prüfen Sie die Adresse und senden Sie erneut: {link}',
    digestIntro: 'Diese Nachrichten konnten nicht zugestellt werden:',
    footer:
      'Sie erhalten diese E-Mail an Ihre Antwortadresse. Die Benachrichtigungen stellen Sie auf der Seite ' +
      'Nachrichten ein.',
    reasons: {
      'mailbox-unknown': 'das Postfach existiert nicht',
      'domain-unknown': 'die Domain der Adresse existiert nicht oder empfängt keine E-Mails',
      'mailbox-full': 'das Postfach ist voll',
      'too-big': 'die Nachricht ist für den empfangenden Server zu groß',
      blocked: 'der empfangende Server hat sie als unerwünscht abgelehnt',
      delayed: 'der empfangende Server nimmt sie noch nicht an; Postbode versucht es weiter',
      'gave-up': 'der empfangende Server hat sie {hours} Stunden lang nicht angenommen, daher hat Postbode aufgegeben',
      refused: 'der empfangende Server hat sie abgelehnt',
    },
  },
};

export function fillIn(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function alertWords(language: AlertLanguage): Words {
  return WORDS[language];
}

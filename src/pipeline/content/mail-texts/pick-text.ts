/**
 * The built-in texts of mails Postbode writes itself exist in these languages; any other
 * language (or region: nl-be) falls back to its primary subtag, then to English.
 */
export const MAIL_LANGUAGES = ['nl', 'fr', 'en', 'de'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

export function mailLanguage(language: string): MailLanguage {
  const primary = language.toLowerCase().split('-')[0] ?? '';
  return (MAIL_LANGUAGES as readonly string[]).includes(primary) ? (primary as MailLanguage) : 'en';
}

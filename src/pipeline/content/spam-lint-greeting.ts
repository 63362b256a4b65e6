import { adviceEn } from './spam-advice.js';

/**
 * Generic greetings, in the languages of the built-in texts (nl, fr, en, de): "Dear customer",
 * "Beste klant", "Cher client", "Sehr geehrte Damen und Herren", "Hello," with no name, and a
 * greeting whose %client-name% rendered empty ("Beste ,"). The help page's advice is to greet the
 * client by name; a greeting that could be to anyone reads like a mass mailing.
 *
 * A line is a generic greeting when it is short, among the first lines of the text, and every
 * piece of it (split at commas, slashes and "and"/"en"/"et"/"und", "or"/"of"/"ou"/"oder") is an
 * opening word with at most a generic addressee ("beste klant", "hello"), or it is a set phrase
 * ("Madame, Monsieur", "To whom it may concern"). "Beste %client-name%," and "Dear Jan," are not.
 */
const OPENERS = [
  // en
  'dear',
  'hello',
  'hi',
  'hey',
  'good morning',
  'good afternoon',
  'good evening',
  'good day',
  'greetings',
  // nl
  'beste',
  'geachte',
  'lieve',
  'hallo',
  'hoi',
  'dag',
  'goedendag',
  'goedemorgen',
  'goedemiddag',
  'goedenavond',
  // fr
  'cher',
  'chère',
  'chers',
  'chères',
  'bonjour',
  'bonsoir',
  'salut',
  // de
  'sehr geehrte',
  'sehr geehrter',
  'sehr geehrtes',
  'liebe',
  'lieber',
  'liebes',
  'guten tag',
  'guten morgen',
  'guten abend',
  'grüß gott',
  'moin',
];
const ADDRESSEES = [
  // en
  'customer',
  'customers',
  'valued customer',
  'client',
  'clients',
  'valued client',
  'sir',
  'sirs',
  'madam',
  'all',
  'friend',
  'friends',
  'colleague',
  'colleagues',
  // nl
  'klant',
  'klanten',
  'relatie',
  'relaties',
  'heer',
  'mevrouw',
  'mijnheer',
  'meneer',
  'dames',
  'heren',
  'allen',
  'allemaal',
  // fr
  'client',
  'cliente',
  'clientes',
  'madame',
  'monsieur',
  'mesdames',
  'messieurs',
  'ami',
  'amis',
  'partenaire',
  'partenaires',
  // de
  'kunde',
  'kundin',
  'kunden',
  'kundinnen',
  'kundschaft',
  'damen',
  'herren',
  'geschäftspartner',
  'geschäftspartnerin',
  'frau',
  'herr',
];
/** Pieces that greet nobody in particular without an opening word. */
const ALONE = new Set([
  'to whom it may concern',
  'madame',
  'monsieur',
  'mesdames',
  'messieurs',
  'à qui de droit',
  'dames',
  'heren',
  'damen',
  'herren',
]);

const alternation = (words: readonly string[]) =>
  [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/ /g, '\\s+'))
    .join('|');
const PIECE = new RegExp(`^(?:(?:${alternation(OPENERS)})(?:\\s+(?:${alternation(ADDRESSEES)}))?)$`, 'u');
const ADDRESSEE = new RegExp(`^(?:${alternation(ADDRESSEES)})$`, 'u');
const SEPARATOR = /\s*(?:[,/&]|\s(?:and|en|et|und|or|of|ou|oder)\s)\s*/u;
/** Greetings are at the top: the first few non-empty lines, each short. */
const FIRST_LINES = 3;
const MAX_GREETING = 60;
/** Where the search stops however many blank lines come first. */
const HEAD = 2000;

/** "Cher(e) client(e)" and "Chèr·e·s": the gender marks out, lower case, closing punctuation off. */
function normalised(line: string): string {
  return line
    .toLowerCase()
    .replace(/\((?:e|es|s|in|innen)\)|[·.](?:e|es|s)\b/gu, '')
    .replace(/[\s,;:!.]+$/u, '')
    .trim();
}

/**
 * The first piece greets (an opening word, at most a generic addressee) or is a set phrase; the
 * others may also be a bare addressee ("Geachte heer/mevrouw", "Dear Sir or Madam").
 */
export function isGenericGreeting(line: string): boolean {
  if (line.trim().length > MAX_GREETING) return false;
  const pieces = normalised(line)
    .split(SEPARATOR)
    .filter((p) => p !== '');
  const [first, ...rest] = pieces;
  if (first === undefined || !(PIECE.test(first) || ALONE.has(first))) return false;
  return rest.every((p) => PIECE.test(p) || ALONE.has(p) || ADDRESSEE.test(p));
}

/** A spam-lint warning (spam-lint.ts's LintWarning) of this rule. */
export interface GreetingWarning {
  readonly rule: 'generic-greeting';
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

/** The first generic greeting among the text's first lines, with its position. */
export function greetingWarnings(text: string): GreetingWarning[] {
  let seen = 0;
  // Line by line from the top (no split of a large legacy body): only the first lines count.
  for (let start = 0; start <= Math.min(text.length, HEAD) && seen < FIRST_LINES; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    if (line.trim() !== '') {
      if (isGenericGreeting(line)) return [warningAt(line, start)];
      seen++;
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return [];
}

function warningAt(line: string, start: number): GreetingWarning {
  const lead = line.length - line.trimStart().length;
  const greeting = line.trim();
  return {
    rule: 'generic-greeting',
    message: adviceEn('generic-greeting', { greeting }),
    start: start + lead,
    end: start + lead + greeting.length,
  };
}

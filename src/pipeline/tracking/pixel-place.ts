import { Tokenizer, TokenizerMode, type Token } from 'parse5';

/**
 * Where the pixel goes in an HTML document: just before the last real `</body>` end tag, or
 * at the end when there is none. "Real" as an HTML reader sees it: a `</body>` inside a
 * comment, an attribute value, or the text of a RAWTEXT/RCDATA/script element (style,
 * textarea, title, xmp, iframe, noembed, noframes, noscript, script, plaintext) is text, not a
 * tag. parse5's tokenizer does the lexing; like its parser, we switch it into the text modes
 * after those start tags (outside SVG and MathML, where they are ordinary elements).
 *
 * Offsets are UTF-16 indexes into the string given; a latin1 view of ASCII-compatible bytes
 * makes them byte offsets.
 */
const TEXT_MODES: ReadonlyMap<string, (typeof TokenizerMode)[keyof typeof TokenizerMode]> = new Map([
  ['title', TokenizerMode.RCDATA],
  ['textarea', TokenizerMode.RCDATA],
  ['style', TokenizerMode.RAWTEXT],
  ['xmp', TokenizerMode.RAWTEXT],
  ['iframe', TokenizerMode.RAWTEXT],
  ['noembed', TokenizerMode.RAWTEXT],
  ['noframes', TokenizerMode.RAWTEXT],
  ['noscript', TokenizerMode.RAWTEXT],
  ['script', TokenizerMode.SCRIPT_DATA],
  ['plaintext', TokenizerMode.PLAINTEXT],
]);
const FOREIGN = new Set(['svg', 'math']);

interface Scan {
  lastBodyEnd: number | undefined;
  /** A text-mode element still open at the end (its text runs to the end of the document). */
  openText: string | undefined;
  /** The document ends inside a tag, comment, doctype or CDATA: appending there would be swallowed. */
  cutOff: boolean;
  foreignDepth: number;
}

/** The insertion offset, or undefined when the document has no place where a pixel would show. */
export function pixelOffset(html: string): number | undefined {
  const scan: Scan = { lastBodyEnd: undefined, openText: undefined, cutOff: false, foreignDepth: 0 };
  const tokenizer: Tokenizer = new Tokenizer(
    { sourceCodeLocationInfo: true },
    {
      onStartTag: (token) => startTag(tokenizer, scan, token),
      onEndTag: (token) => endTag(tokenizer, scan, token),
      onParseError: (error) => {
        if (error.code.startsWith('eof-in-')) scan.cutOff = true;
      },
      onComment: ignore,
      onDoctype: ignore,
      onEof: ignore,
      onCharacter: ignore,
      onNullCharacter: ignore,
      onWhitespaceCharacter: ignore,
    },
  );
  tokenizer.write(html, true);
  if (scan.lastBodyEnd !== undefined) return scan.lastBodyEnd;
  return scan.openText === undefined && !scan.cutOff ? html.length : undefined;
}

function ignore(): void {}

function startTag(tokenizer: Tokenizer, scan: Scan, token: Token.TagToken): void {
  const name = token.tagName;
  if (FOREIGN.has(name) && !token.selfClosing) scan.foreignDepth++;
  tokenizer.inForeignNode = scan.foreignDepth > 0;
  const mode = scan.foreignDepth === 0 ? TEXT_MODES.get(name) : undefined;
  if (mode === undefined) return;
  tokenizer.state = mode;
  scan.openText = name;
}

function endTag(tokenizer: Tokenizer, scan: Scan, token: Token.TagToken): void {
  const name = token.tagName;
  // In a text mode the tokenizer emits only the element's own end tag.
  scan.openText = undefined;
  if (FOREIGN.has(name) && scan.foreignDepth > 0) scan.foreignDepth--;
  tokenizer.inForeignNode = scan.foreignDepth > 0;
  if (name === 'body' && scan.foreignDepth === 0 && token.location) scan.lastBodyEnd = token.location.startOffset;
}

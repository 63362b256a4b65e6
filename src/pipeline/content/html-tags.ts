/**
 * A linear scan over the tags of an HTML string, for checks that look at tags only. Regexes
 * like /<[^>]*>/g rescan to the end from every "<" when no ">" follows, which a hostile
 * layout can turn into seconds of work; indexOf never goes back.
 */
export interface TagSpan {
  readonly start: number;
  /** Just past the closing ">". */
  readonly end: number;
  /** Lower-case element name, '' for comments, doctypes and stray "<". */
  readonly name: string;
  readonly closing: boolean;
  /** Everything after the name, up to the ">". */
  readonly attrs: string;
}

export function tagsOf(html: string): TagSpan[] {
  const tags: TagSpan[] = [];
  let lt = html.indexOf('<');
  let gt = -1;
  while (lt >= 0) {
    // The first ">" after this "<"; still the same one while we are before it (keeps the scan linear).
    if (gt <= lt) gt = html.indexOf('>', lt + 1);
    if (gt < 0) break; // no ">" left: no later "<" can close either
    const inner = html.slice(lt + 1, gt);
    const head = /^(\/?)([a-zA-Z][a-zA-Z0-9-]*)/.exec(inner);
    const next = html.indexOf('<', lt + 1);
    if (head && (next < 0 || next > gt)) {
      tags.push({
        start: lt,
        end: gt + 1,
        name: (head[2] ?? '').toLowerCase(),
        closing: head[1] === '/',
        attrs: inner.slice(head[0].length),
      });
    }
    lt = next;
  }
  return tags;
}

/** The string with every tag replaced by spaces of the same length, so that text positions stay valid. */
export function maskTags(html: string): string {
  let out = '';
  let at = 0;
  for (const tag of tagsOf(html)) {
    out += html.slice(at, tag.start) + ' '.repeat(tag.end - tag.start);
    at = tag.end;
  }
  return out + html.slice(at);
}

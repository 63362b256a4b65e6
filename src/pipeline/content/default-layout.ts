import { escapeHtml } from './render-template.js';

/**
 * The built-in layout: a table-based, 600px-max wrapper that mail clients from Outlook to
 * Gmail render alike. Inline styles only (many clients drop <style>), no background images,
 * and the company name in text as well as in the logo's alt, so it reads without images.
 */
export interface DefaultLayoutInput {
  readonly language: string;
  /** Becomes <title>; some clients show it in previews. */
  readonly title: string;
  readonly companyName?: string | undefined;
  readonly logoUrl?: string | undefined;
  /** Already-safe HTML of the message content (see textToHtml). */
  readonly contentHtml: string;
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';

function headerCell(companyName: string, logoUrl: string | undefined): string {
  const name = escapeHtml(companyName);
  const inner =
    logoUrl !== undefined
      ? `<img src="${escapeHtml(logoUrl)}" alt="${name}" height="48" ` +
        `style="display:block;height:48px;width:auto;max-width:100%;border:0;${FONT}font-size:20px;` +
        `font-weight:bold;color:#18181b;">`
      : name;
  return (
    `<tr><td style="padding:24px 32px;border-bottom:1px solid ` +
    `#e4e4e7;${FONT}font-size:20px;font-weight:bold;color:#18181b;">${inner}</td></tr>`
  );
}

export function renderDefaultLayout(input: DefaultLayoutInput): string {
  const company = input.companyName ?? '';
  const header = company !== '' || input.logoUrl !== undefined ? headerCell(company, input.logoUrl) : '';
  const footer =
    company !== ''
      ? `<tr><td style="padding:16px 32px;border-top:1px solid ` +
        `#e4e4e7;${FONT}font-size:12px;line-height:1.5;color:#71717a;">${escapeHtml(company)}</td></tr>`
      : '';
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(input.language)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="x-apple-disable-message-reformatting">',
    `<title>${escapeHtml(input.title)}</title>`,
    '</head>',
    '<body style="margin:0;padding:0;background-color:#f4f4f5;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" ' +
      'style="background-color:#f4f4f5;">',
    '<tr><td align="center" style="padding:24px 12px;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" ' +
      'style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #e4e4e7;">',
    header,
    `<tr><td style="padding:32px;${FONT}font-size:15px;line-height:1.6;color:#27272a;">${input.contentHtml}</td></tr>`,
    footer,
    '</table>',
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** Plain text as HTML paragraphs: blank lines separate paragraphs, single breaks become <br>. */
export function textToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p style="margin:0 0 16px 0;">${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
}

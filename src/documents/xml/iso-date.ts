import type { EDate } from './einvoice.js';

/**
 * An e-invoice date as ISO "YYYY-MM-DD": UBL writes it so already (xsd:date), CII writes
 * "CCYYMMDD" with format 102. Anything else, or a day that does not exist, is undefined.
 */
export function toIsoDate(date: EDate): string | undefined {
  const m =
    date.format === undefined
      ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.raw)
      : date.format === '102'
        ? /^(\d{4})(\d{2})(\d{2})$/.exec(date.raw)
        : null;
  if (m === null) return undefined;
  const [, y = '', mo = '', d = ''] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const exists =
    day.getUTCFullYear() === Number(y) && day.getUTCMonth() === Number(mo) - 1 && day.getUTCDate() === Number(d);
  return exists ? `${y}-${mo}-${d}` : undefined;
}

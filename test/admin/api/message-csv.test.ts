import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../src/admin/api/v1/message-csv.js';

describe('message log CSV', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+31 6 1234', `"'+31 6 1234"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tcmd', `"'\tcmd"`],
    ['Factuur "2024-017", deel 1', '"Factuur ""2024-017"", deel 1"'],
    ['a\r\nb', '"a\r\nb"'],
    ['', '""'],
  ])('quotes %j as %j (formulas made text)', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('starts with the header row and ends every row with CRLF', () => {
    const csv = toCsv([['a', 'b']]);
    expect(csv.startsWith('"message_id","received_at",')).toBe(true);
    expect(csv.endsWith('"a","b"\r\n')).toBe(true);
  });
});

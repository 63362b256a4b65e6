import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countPerFile, longLines, overBaseline } from '../../scripts/check-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'check-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check-lines', () => {
  it('flags a line over 120 characters and counts characters, not bytes or UTF-16 units', () => {
    const file = join(dir, 'sample.ts');
    const lines = [
      `// ${'x'.repeat(117)}`, // 120: fits
      `// ${'é'.repeat(117)}`, // 120 characters, 237 bytes: fits
      `// ${'📨'.repeat(117)}`, // 120 code points, 237 UTF-16 units: fits
      `const s = '${'y'.repeat(108)}';`, // 121: too long
      `// ${'x'.repeat(117)}\r`, // a CRLF line of 120 characters: fits
    ];
    writeFileSync(file, lines.join('\n'));
    expect(longLines(file)).toEqual([{ file, line: 4, length: 121 }]);
  });

  it('with a baseline, fails only a file that has more long lines than it had', () => {
    const file = join(dir, 'frozen.ts');
    writeFileSync(file, `${'a'.repeat(130)}\nshort\n${'b'.repeat(125)}\n`);
    const found = longLines(file);
    expect(found.map((l) => l.line)).toEqual([1, 3]);
    const today = countPerFile(found);
    expect(Object.values(today)).toEqual([2]);
    expect(overBaseline(found)).toEqual(found);
    expect(overBaseline(found, today)).toEqual([]);
    const fewer = Object.fromEntries(Object.keys(today).map((k) => [k, 1]));
    expect(overBaseline(found, fewer)).toEqual(found);
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, smarthostSchema } from '../../src/config/schema.js';

const example = readFileSync(resolve(import.meta.dirname, '../../config/postbode.yaml'), 'utf8');

/** `# key: value` lines are settings, `##` lines are prose: uncomment the settings only. */
function uncommentSettings(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*##/.test(l))
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
}

describe('config/postbode.yaml', () => {
  it('changes nothing as shipped (every setting is commented out)', () => {
    expect(parse(example)).toBeNull();
  });

  it('lists every key with its real default', () => {
    expect(parse(uncommentSettings(example))).toEqual(configSchema.parse({}));
  });

  it('documents a valid smarthost block', () => {
    const lines = example.split('\n');
    const start = lines.findIndex((l) => l.startsWith('##  smarthost:'));
    const end = lines.findIndex((l, i) => i > start && l.includes('maxConnections'));
    expect(start).toBeGreaterThan(0);
    const block = lines
      .slice(start, end + 1)
      .map((l) => l.replace(/^##/, ''))
      .join('\n');
    const parsed = parse(block) as { smarthost: unknown };
    expect(Object.keys(parsed.smarthost as object).sort()).toEqual(Object.keys(smarthostSchema.shape).sort());
    expect(smarthostSchema.parse(parsed.smarthost)).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
    });
  });
});

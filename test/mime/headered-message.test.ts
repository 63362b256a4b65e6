import { describe, expect, it } from 'vitest';
import { fieldValue, findFields, joinMessage, setField, splitMessage, withoutFields } from '../../src/mime/index.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const text = (buf: Buffer): string => buf.toString('latin1');

describe('splitMessage / joinMessage', () => {
  it('splits fields with their folding kept and the rest from the blank line on', () => {
    const m = splitMessage(b('From: a@x.test\r\nSubject: one\r\n two\r\n\r\nbody\r\n'));
    expect(m.fields).toEqual(['From: a@x.test', 'Subject: one\r\n two']);
    expect(text(m.rest)).toBe('\r\nbody\r\n');
    expect(fieldValue(findFields(m, 'SUBJECT')[0] ?? '')).toBe('one two');
  });
  it('treats a message whose first line is not a field as all body, and adds the blank line when headers come', () => {
    const m = splitMessage(b('hello\r\n'));
    expect(m.fields).toEqual([]);
    expect(text(joinMessage(m))).toBe('hello\r\n');
    expect(text(joinMessage(setField(m, 'From', 'a@x.test')))).toBe('From: a@x.test\r\n\r\nhello\r\n');
  });
  it('edits only the named fields and keeps bare-LF line ends of the others', () => {
    const m = splitMessage(b('A: 1\nB: 2\n\tfold\nC: 3\n\nbody'));
    expect(text(joinMessage(withoutFields(m, ['b'])))).toBe('A: 1\nC: 3\n\nbody');
    expect(text(joinMessage(setField(m, 'B', 'new')))).toBe('A: 1\nB: new\r\nC: 3\n\nbody');
    expect(text(joinMessage(setField(m, 'D', '4')))).toBe('A: 1\nB: 2\n\tfold\nC: 3\nD: 4\r\n\nbody');
  });
  it('ends a last header line that had no line end once a field follows it', () => {
    const m = splitMessage(b('A: 1'));
    expect(text(joinMessage(m))).toBe('A: 1');
    expect(text(joinMessage(setField(m, 'B', '2')))).toBe('A: 1\r\nB: 2\r\n');
    expect(text(joinMessage({ ...m, fields: [...m.fields, 'B: 2'] }))).toBe('A: 1\r\nB: 2\r\n');
  });
});

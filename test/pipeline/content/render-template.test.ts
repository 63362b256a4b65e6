import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../src/pipeline/content/render-template.js';
import { checkTemplate, findVariables, singleLine } from '../../../src/pipeline/content/template-syntax.js';
import { buildVariables } from '../../../src/pipeline/content/variables.js';

describe('renderTemplate', () => {
  const vars = { 'document-number': '2024-0012', 'client-name': 'Piet & <Co>', 'document-type': 'factuur' };

  it('fills variables and leaves unknown ones out', () => {
    expect(renderTemplate('Factuur %document-number% voor %client-name%%nope%.', vars)).toBe(
      'Factuur 2024-0012 voor Piet & <Co>.',
    );
  });

  it('escapes values, never the template, for HTML', () => {
    expect(renderTemplate('<b>%client-name%</b>', vars, { escapeHtml: true })).toBe('<b>Piet &amp; &lt;Co&gt;</b>');
  });

  it('is case-insensitive and capitalises when the name is written with a capital', () => {
    expect(renderTemplate('%Document-type% %DOCUMENT-NUMBER% (%document_number%)', vars)).toBe(
      'Factuur 2024-0012 (2024-0012)',
    );
  });

  it('never expands a value a second time, and inserts raw values as they are', () => {
    expect(
      renderTemplate(
        '%client-name% %content%',
        { 'client-name': '%content%' },
        { escapeHtml: true, raw: { content: '<p>x</p>' } },
      ),
    ).toBe('%content% <p>x</p>');
  });

  it('leaves percent signs that are not variables alone', () => {
    expect(renderTemplate('10% korting, 5 % extra, 100%!', vars)).toBe('10% korting, 5 % extra, 100%!');
  });

  it('ignores inherited names', () => {
    expect(renderTemplate('[%constructor%][%to-string%]', {})).toBe('[][]');
  });
});

describe('template syntax', () => {
  it('finds references with positions', () => {
    expect(findVariables('Hi %Client-name%!')).toEqual([
      { name: 'client-name', raw: '%Client-name%', capitalise: true, start: 3, end: 16 },
    ]);
  });

  it('reports unknown names and forbidden characters', () => {
    expect(checkTemplate('%a% %b%\n', new Set(['a']), { headerBound: true })).toEqual([
      { message: 'line breaks and control characters are not allowed here (U+000A)', start: 7, end: 8 },
      { message: 'unknown variable %b%', start: 4, end: 7 },
    ]);
  });

  it('makes runtime values single-line', () => {
    expect(singleLine(' Jan\r\n\tJansen\u2028BV ')).toBe('Jan Jansen BV');
    expect(singleLine('x'.repeat(300))).toHaveLength(200);
  });
});

describe('buildVariables', () => {
  it('localises the document type and lets captures win over constants', () => {
    const detection = {
      documentType: 'credit-note' as const,
      variables: { 'document-number': 'CN-7', iban: 'captured' },
    };
    const settings = { constants: { iban: 'BE71', bic: 'GEBABEBB' }, companyName: 'Acme' };
    expect(buildVariables(detection, settings, 'fr')).toEqual({
      iban: 'captured',
      bic: 'GEBABEBB',
      'document-number': 'CN-7',
      'document-type': 'note de crédit',
      'company-name': 'Acme',
    });
    expect(buildVariables(detection, settings, 'de')['document-type']).toBe('Gutschrift');
    expect(buildVariables(detection, settings, 'nl-be')['document-type']).toBe('creditnota');
    expect(buildVariables(detection, settings, 'es')['document-type']).toBe('credit note');
  });
});

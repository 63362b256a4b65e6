import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, startSenderGateway } from '../../helpers/sender-harness.js';

/**
 * The Config API answers in the request's language (Accept-Language nl or en, English by
 * default) and keeps its stable codes whatever the language: `error`, `messageCode`,
 * `fieldCodes`, a warning's `rule`.
 */
describe('API texts in nl and en with stable codes', () => {
  let sink: Sink;
  let gw: TestGateway;
  let token: string;
  let otherToken: string;

  async function call(method: string, path: string, body: unknown, lang?: string, as = token) {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        'content-type': 'application/json',
        ...(lang === undefined ? {} : { 'accept-language': lang }),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  }
  const preview = (subject: string, lang?: string, as?: string) =>
    call(
      'POST',
      `/tenants/${gw.tenantId}/content/preview`,
      { subject, variables: { 'client-name': 'Jan' }, language: 'nl', documentType: 'invoice' },
      lang,
      as,
    );

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    token = (await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token as string;
    const other = await api(gw, 'POST', '/tenants', { name: 'Mallory BV' });
    otherToken = (await api(gw, 'POST', `/tenants/${(other.body.tenant as { id: string }).id}/tokens`, {})).body
      .token as string;
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  it(
    'a validation error answers in Dutch and in English with the same codes; ' + 'fields stay lists of strings',
    async () => {
      const nl = await preview('Factuur %nope%', 'nl-BE,nl;q=0.9,en;q=0.5');
      const en = await preview('Factuur %nope%', 'en');
      const none = await preview('Factuur %nope%');
      for (const res of [nl, en, none]) {
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
        expect(res.body.fieldCodes).toEqual({ 'body.subject': ['unknown_variable'] });
      }
      expect(nl.body.fields).toEqual({ 'body.subject': ['onbekende variabele %nope%'] });
      expect(en.body.fields).toEqual({ 'body.subject': ['unknown variable %nope%'] });
      expect(none.body.fields).toEqual(en.body.fields);
      expect(nl.headers.get('content-language')).toBe('nl');
      expect(nl.headers.get('vary')).toMatch(/accept-language/i);
    },
  );

  it('zod issues get codes by kind and Dutch texts', async () => {
    const path = `/tenants/${gw.tenantId}`;
    const nl = await call('PATCH', path, { name: '', colour: 'blue', requireTls: 'yes' }, 'nl');
    const en = await call('PATCH', path, { name: '', colour: 'blue', requireTls: 'yes' }, 'en');
    expect(nl.status).toBe(400);
    expect(nl.body.fieldCodes).toEqual(en.body.fieldCodes);
    expect(nl.body.fieldCodes['body.colour']).toEqual(['unknown_field']);
    expect(nl.body.fields['body.colour']).toEqual(['onbekend veld']);
    expect(en.body.fields['body.colour']).toEqual(['unknown field']);
    expect(nl.body.fieldCodes['body.requireTls']).toEqual(['invalid_type']);
    expect(nl.body.fields['body.requireTls']).toEqual(['moet van het type boolean zijn']);
    expect(nl.body.fields['body.name']).toEqual(['de klantnaam mag niet leeg zijn']);
    expect(en.body.fields['body.name']).toEqual(['tenant name must not be empty']);
  });

  it('a refusal with a position keeps the code of the reason; a refused pattern is explained in Dutch', async () => {
    const body = {
      enabled: false,
      subjects: { invoice: { nl: 'Factuur %nope%' } },
      rules: [{ name: 'r', field: 'subject', documentType: 'invoice', pattern: '(a)\\1' }],
    };
    const nl = await call('PUT', `/tenants/${gw.tenantId}/content`, body, 'nl');
    const en = await call('PUT', `/tenants/${gw.tenantId}/content`, body, 'en');
    expect(nl.status).toBe(400);
    expect(nl.body.fieldCodes).toEqual(en.body.fieldCodes);
    expect(nl.body.fieldCodes['body.subjects.invoice.nl']).toEqual(['unknown_variable']);
    expect(nl.body.fields['body.subjects.invoice.nl']).toEqual(['onbekende variabele %nope% (op positie 8)']);
    expect(en.body.fields['body.subjects.invoice.nl']).toEqual(['unknown variable %nope% (at 8)']);
    expect(nl.body.fieldCodes['body.rules.0.pattern']).toEqual(['pattern_unsupported']);
    expect(nl.body.fields['body.rules.0.pattern']).toEqual([
      expect.stringMatching(/^terugverwijzingen .* worden niet ondersteund: patronen draaien/),
    ]);
  });

  it('a refusal message is translated and keeps its code', async () => {
    const nl = await call('PUT', `/tenants/${gw.tenantId}/sender`, { mode: 'own-address' }, 'nl');
    const en = await call('PUT', `/tenants/${gw.tenantId}/sender`, { mode: 'own-address' }, 'en');
    expect(nl.status).toBe(400);
    expect(nl.body.fieldCodes).toEqual(en.body.fieldCodes);
    expect(nl.body.fieldCodes['body.ownAddress']).toEqual(['required_for_own_address']);
    expect(nl.body.fields['body.ownAddress']).toEqual(['verplicht bij een eigen afzenderadres']);
  });

  it('spam advice comes back in the request language, with the same rules', async () => {
    const nl = await preview('GRATIS KORTING NU!!', 'nl');
    const en = await preview('GRATIS KORTING NU!!', 'en');
    expect(nl.status).toBe(200);
    const rules = (r: typeof nl) => r.body.warnings.map((w: { field: string; rule: string }) => `${w.field}:${w.rule}`);
    expect(rules(nl)).toEqual(rules(en));
    const subject = (r: typeof nl) =>
      r.body.warnings
        .filter((w: { field: string }) => w.field === 'subject')
        .map((w: { message: string }) => w.message);
    expect(subject(nl)).toEqual([
      'WOORDEN IN HOOFDLETTERS zien er voor spamfilters uit als schreeuwen',
      'meerdere uitroeptekens achter elkaar zien eruit als spam',
    ]);
    expect(subject(en)).toEqual([
      'WORDS IN CAPITALS look like shouting to spam filters',
      'several exclamation marks in a row look like spam',
    ]);
    // Every warning has a Dutch text (none left in English).
    for (const w of nl.body.warnings as { message: string }[])
      expect(en.body.warnings.map((x: { message: string }) => x.message)).not.toContain(w.message);
  });

  it('another tenant learns nothing more in Dutch: the same 404 without words', async () => {
    const nl = await preview('Factuur %nope%', 'nl', otherToken);
    const en = await preview('Factuur %nope%', 'en', otherToken);
    expect(nl.status).toBe(404);
    expect(nl.body).toEqual({ error: 'not_found' });
    expect(en.body).toEqual(nl.body);
  });

  it('the OpenAPI document describes the codes beside the texts', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/openapi.json`)).json()) as {
      components: { schemas: Record<string, any> };
    };
    const error = doc.components.schemas.Error;
    expect(Object.keys(error.properties)).toEqual(
      expect.arrayContaining(['error', 'message', 'messageCode', 'fields', 'fieldCodes']),
    );
    expect(error.properties.fieldCodes.description).toMatch(/unknown_field/);
    expect(error.properties.message.description).toMatch(/Accept-Language/);
  });

  it('an unsupported or malformed Accept-Language falls back to English', async () => {
    for (const lang of ['fr', 'de;q=1', ';;;q=x,,', `${'nl;q=0,'.repeat(500)}xx`]) {
      const res = await preview('Factuur %nope%', lang);
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ 'body.subject': ['unknown variable %nope%'] });
    }
  });
});

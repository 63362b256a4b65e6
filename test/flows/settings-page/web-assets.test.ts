import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type HttpServerHandle } from '../../../src/admin/api/http-app.js';
import { clientDir, createWebRouter, loadAssets, WEB_CSP } from '../../../src/admin/web/web-router.js';

type Labels = Record<string, string>;
const CLIENT = clientDir();
/** The label tables are browser modules; imported by URL (a dynamic specifier: no typings needed). */
async function labels(name: string): Promise<Labels> {
  const url = new URL(`../../../src/admin/web/client/labels-${name}.js`, import.meta.url).href;
  return Object.values((await import(url)) as Record<string, Labels>)[0] as Labels;
}
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('settings page labels (Dutch and English)', () => {
  it('have the same keys, none empty, with the same {placeholders}', async () => {
    const [en, nl] = [await labels('en'), await labels('nl')];
    expect(Object.keys(nl).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect({ key, en: text.trim().length > 0, nl: (nl[key] ?? '').trim().length > 0 }).toEqual({
        key,
        en: true,
        nl: true,
      });
      expect({ key, nl: placeholders(nl[key] ?? '') }).toEqual({ key, nl: placeholders(text) });
    }
  });

  it('cover every key the page asks for, fixed keys and the values of each key family', async () => {
    const en = await labels('en');
    const files = (await readdir(CLIENT)).filter((f) => f.endsWith('.js'));
    const used = new Set<string>();
    for (const file of files) {
      const source = await readFile(join(CLIENT, file), 'utf8');
      for (const m of source.matchAll(/\bt\(\s*'([a-zA-Z-]+\.[a-zA-Z.-]+)'/g)) used.add(m[1] ?? '');
      for (const m of source.matchAll(/\?\s*'([a-z]+\.[a-zA-Z.]+)'\s*:\s*'([a-z]+\.[a-zA-Z.]+)'/g)) {
        used.add(m[1] ?? '');
        used.add(m[2] ?? '');
      }
    }
    const families: Record<string, readonly string[]> = {
      mode: [
        'forwarding',
        'own-address',
        'own-smtp',
        'gmail',
        'forwarding.needs',
        'own-address.needs',
        'own-smtp.needs',
        'gmail.needs',
      ],
      'smtp.tls': ['starttls', 'implicit', 'opportunistic'],
      accountant: ['off', 'manual', 'automatic'],
      doc: ['invoice', 'credit-note', 'quote', 'order', 'reminder', 'other'],
      lang: ['nl', 'en', 'fr', 'de'],
      layout: ['default', 'none', 'custom'],
      domain: ['pending', 'active', 'failing'],
      check: ['ok', 'missing', 'wrong', 'unknown'],
      record: ['dkim', 'spf', 'dmarc', 'return-path'],
      'dns.action': ['create', 'replace', 'merge', 'keep', 'remove'],
      rcpt: ['queued', 'deferred', 'held', 'delivered', 'bounced', 'expired', 'cancelled'],
      role: ['archive', 'accountant'],
      outcome: ['delivered', 'deferred', 'bounced', 'retried', 'held', 'released', 'cancelled'],
      nav: ['sending', 'content', 'domains', 'messages', 'credentials'],
      err: ['401', '403', '404', '409', '413', '429', '500'],
    };
    for (const [prefix, values] of Object.entries(families)) for (const v of values) used.add(`${prefix}.${v}`);
    expect(used.size).toBeGreaterThan(150);
    expect([...used].filter((key) => !(key in en))).toEqual([]);
  });
});

describe('settings page assets', () => {
  let dir: string;
  let server: HttpServerHandle;
  let base: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-web-assets-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'app.js'), 'export {};');
    await writeFile(join(dir, 'notes.txt'), 'not served');
    const app = express();
    app.use(createWebRouter(loadAssets(dir)));
    app.use((_req, res) => {
      res.status(404).json({ error: 'not_found' });
    });
    server = await startHttp(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the shell and its files with the strict CSP, and nothing else from the folder', async () => {
    const page = await fetch(`${base}/settings`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(WEB_CSP).not.toMatch(/unsafe|\*|https?:/);
    const js = await fetch(`${base}/settings/assets/app.js`);
    expect([js.status, js.headers.get('content-type'), js.headers.get('content-security-policy')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      WEB_CSP,
    ]);
    for (const path of ['notes.txt', 'index.html', '..%2Fpackage.json', '%2e%2e%2fapp.js', 'missing.js']) {
      expect({ path, status: (await fetch(`${base}/settings/assets/${path}`)).status }).toEqual({ path, status: 404 });
    }
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/settings']);
  });

  it('refuses to start without the client files (a build that did not copy them)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'postbode-web-empty-'));
    try {
      expect(() => loadAssets(empty)).toThrow(/no index\.html/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('the real client folder has the page, and every file the page loads is in it', async () => {
    const assets = loadAssets();
    const html = assets.get('index.html')?.bytes.toString('utf8') ?? '';
    const referenced = [...html.matchAll(/\/settings\/assets\/([\w.-]+)/g)].map((m) => m[1] ?? '');
    expect(referenced.sort()).toEqual(['app.js', 'style.css']);
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      for (const m of asset.bytes.toString('utf8').matchAll(/from '\.\/([\w.-]+)'/g))
        expect({ name, imports: m[1], found: assets.has(m[1] ?? '') }).toEqual({ name, imports: m[1], found: true });
      expect({
        name,
        innerHTML: /\.innerHTML\s*=|insertAdjacentHTML|document\.write/.test(asset.bytes.toString('utf8')),
      }).toEqual({ name, innerHTML: false });
    }
  });
});

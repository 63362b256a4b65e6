import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';

/**
 * The settings page: a static shell and its ES modules, no data. Every value the
 * page shows comes from the Config API, called by the browser with the bearer token the user
 * pasted (kept in sessionStorage, never in a cookie: no ambient credentials, so no CSRF).
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  readonly type: string;
  readonly bytes: Buffer;
}

/**
 * The client files sit next to this module: src/admin/web/client under tsx, dist/admin/web/client after
 * `npm run build` (which copies them, since tsc emits only what it compiles).
 */
export function clientDir(): string {
  return fileURLToPath(new URL('./client/', import.meta.url));
}

/** Reads every servable file once: the allow-list is what is on disk at start, so no path tricks. */
export function loadAssets(dir: string = clientDir()): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) assets.set(name, { type, bytes: readFileSync(join(dir, name)) });
  }
  if (!assets.has('index.html')) throw new Error(`settings page: no index.html in ${dir}`);
  return assets;
}

export function createWebRouter(assets: ReadonlyMap<string, Asset> = loadAssets()): Router {
  const router = Router();
  const send = (res: Response, asset: Asset): void => {
    res.set({ 'Content-Security-Policy': WEB_CSP, 'Cache-Control': 'no-cache', 'Content-Type': asset.type });
    res.send(asset.bytes);
  };
  router.get('/', (_req, res) => {
    res.redirect(302, '/settings');
  });
  router.get('/settings', (_req, res) => {
    send(res, assets.get('index.html') as Asset);
  });
  router.get('/settings/assets/:file', (req, res, next) => {
    const asset = req.params.file === 'index.html' ? undefined : assets.get(req.params.file);
    if (asset === undefined) {
      next();
      return;
    }
    send(res, asset);
  });
  return router;
}

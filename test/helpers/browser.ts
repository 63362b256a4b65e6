import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestGateway } from './gateway-harness.js';
import { api } from './sender-harness.js';

/** Debian's chromium, driven by playwright-core; the flags that work in this sandbox. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** For expect.poll: its default (1 s) is short on a loaded machine. */
export const POLL = { timeout: 10_000, interval: 50 } as const;

export interface TestPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors, page errors and CSP violations seen so far: a test expects none. */
  readonly problems: string[];
}

/** A fresh context (own sessionStorage) with a language and viewport; collects problems. */
export async function openPage(
  browser: Browser,
  opts: { locale?: string; width?: number; height?: number } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
  });
  const page = await context.newPage();
  // generous: the full suite shares two cores; every wait is still bounded
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  // API answers like 401/409 are expected (the page shows them in words); anything else is not.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(msg.text());
  });
  page.on('pageerror', (err) => {
    problems.push(err.message);
  });
  // Confirmations (rotate the password) are accepted, as a user who clicks OK.
  page.on('dialog', (dialog) => {
    void dialog.accept();
  });
  return { context, page, problems };
}

/** Signs in through the form, the way a user does. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel(/API token|API-token/).fill(token);
  await page.getByRole('button', { name: /Sign in|Aanmelden/ }).click();
}

const SHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** Full-page screenshot to test-output/screenshots/<name>.png for a reviewer to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS, { recursive: true });
  const path = `${SHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A browser with one page signed in to the gateway's settings page with a fresh tenant token. */
export interface SignedIn {
  readonly browser: Browser;
  readonly tp: TestPage;
  /** http://127.0.0.1:<gateway HTTP port> */
  readonly base: string;
}

/** Makes a tenant token through the API, signs in the way a user does, waits for the first screen. */
export async function signInAsTenant(gw: TestGateway, opts: { clipboard?: boolean } = {}): Promise<SignedIn> {
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const token = String((await api(gw, 'POST', `/tenants/${gw.tenantId}/tokens`, {})).body.token);
  const browser = await launchBrowser();
  const tp = await openPage(browser);
  if (opts.clipboard) await tp.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await signIn(tp.page, base, token);
  await tp.page.getByRole('heading', { level: 1, name: 'Sending' }).waitFor();
  return { browser, tp, base };
}

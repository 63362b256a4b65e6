import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * juice inlines a custom layout's CSS when the tenant saves it. Its cost grows with CSS rules
 * times elements: a 100 KB layout of 500 rules and 2,000 elements takes seconds, which on the
 * main thread would freeze every tenant's mail and API calls. So it runs in a worker thread
 * with a deadline and a memory cap, a few at a time; a layout that does not finish is refused.
 */
export interface CssInlinerOptions {
  readonly timeoutMs?: number;
  readonly maxConcurrent?: number;
}

/** The inlined HTML, or why not: `busy` when too many layouts are being prepared at once. */
export type InlineResult =
  | { readonly ok: true; readonly html: string }
  | { readonly ok: false; readonly busy: boolean; readonly reason: string };

export type CssInliner = (html: string) => Promise<InlineResult>;

export const INLINE_TIMEOUT_MS = 5_000;
const MAX_CONCURRENT = 2;

// The worker is plain CommonJS run from a string: juice is CommonJS, and no TypeScript loader is needed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const juice = require(workerData.juicePath);
parentPort.postMessage(juice(workerData.html));
`;

export function createCssInliner(options: CssInlinerOptions = {}): CssInliner {
  const timeoutMs = options.timeoutMs ?? INLINE_TIMEOUT_MS;
  const maxConcurrent = options.maxConcurrent ?? MAX_CONCURRENT;
  const juicePath = createRequire(import.meta.url).resolve('juice');
  let running = 0;
  return async (html) => {
    if (running >= maxConcurrent)
      return { ok: false, busy: true, reason: 'other layouts are being prepared; try again in a few seconds' };
    running += 1;
    try {
      return await inlineInWorker(html, juicePath, timeoutMs);
    } finally {
      running -= 1;
    }
  };
}

function inlineInWorker(html: string, juicePath: string, timeoutMs: number): Promise<InlineResult> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { html, juicePath },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    const done = (result: InlineResult) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const refused = (reason: string): InlineResult => ({ ok: false, busy: false, reason });
    const timer = setTimeout(
      () =>
        done(
          refused(`inlining the layout's CSS took longer than ${timeoutMs / 1000} s; use fewer CSS rules or elements`),
        ),
      timeoutMs,
    );
    worker.once('message', (inlined: unknown) =>
      done(typeof inlined === 'string' ? { ok: true, html: inlined } : refused('the CSS inliner gave no result')),
    );
    worker.once('error', (err) => done(refused(`the layout's CSS could not be inlined: ${err.message.slice(0, 200)}`)));
  });
}

import { mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMail } from '../../mime/parse-mail.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { isQueueId, newQueueId } from '../../core/ids.js';
import { headerBlockEnd } from '../../mime/index.js';
import type { CaptureMailbox, CapturedMessage } from '../../core/dev-mailbox.js';

export interface CaptureMailboxOptions {
  /** Older messages are deleted beyond this many (default 1000), so a dev box never fills up. */
  readonly maxMessages?: number;
  readonly clock?: Clock;
}

/** Headers are read from at most this many leading bytes. */
const HEADER_SCAN_LIMIT = 256 * 1024;

/**
 * The dev mailbox on disk: each message is `<dir>/<id>.eml` (the exact bytes) plus `<id>.json`.
 * Ids sort by time.
 */
export function openCaptureMailbox(dir: string, opts: CaptureMailboxOptions = {}): CaptureMailbox {
  const maxMessages = Math.max(1, opts.maxMessages ?? 1000);
  const clock = opts.clock ?? systemClock;
  mkdirSync(dir, { recursive: true });
  const file = (id: string, ext: 'eml' | 'json'): string => join(dir, `${id}.${ext}`);

  const sortedIds = async (): Promise<string[]> =>
    (await readdir(dir))
      .filter((f) => f.endsWith('.json') && isQueueId(f.slice(0, -5)))
      .map((f) => f.slice(0, -5))
      .sort()
      .reverse();

  const prune = async (): Promise<void> => {
    const excess = (await sortedIds()).slice(maxMessages);
    await Promise.all(
      excess.flatMap((id) => [rm(file(id, 'json'), { force: true }), rm(file(id, 'eml'), { force: true })]),
    );
  };

  const get = async (id: string): Promise<CapturedMessage | undefined> => {
    if (!isQueueId(id)) return undefined;
    const text = await readIfExists(file(id, 'json'));
    return text === undefined ? undefined : (JSON.parse(text.toString('utf8')) as CapturedMessage);
  };

  return {
    async save(envelope, raw) {
      const now = clock();
      const meta: CapturedMessage = {
        id: newQueueId(now),
        capturedAt: now,
        size: raw.length,
        subject: await subjectOf(raw),
        envelope: { from: envelope.from, to: [...envelope.to] },
      };
      // The .eml first, the sidecar last: a listed message always has its source.
      await writeAtomic(file(meta.id, 'eml'), raw);
      await writeAtomic(file(meta.id, 'json'), JSON.stringify(meta));
      await prune();
      return meta;
    },
    async list(limit = maxMessages) {
      const ids = (await sortedIds()).slice(0, Math.max(0, limit));
      const found = await Promise.all(ids.map(get));
      return found.filter((m): m is CapturedMessage => m !== undefined);
    },
    get,
    async raw(id) {
      return isQueueId(id) ? readIfExists(file(id, 'eml')) : undefined;
    },
  };
}

/** Decoded Subject from the header block only (the body is never parsed). */
async function subjectOf(raw: Buffer): Promise<string> {
  const end = headerBlockEnd(raw, HEADER_SCAN_LIMIT);
  try {
    const parsed = await parseMail(Buffer.concat([raw.subarray(0, end), Buffer.from('\r\n')]), {
      skipHtmlToText: true,
      skipTextToHtml: true,
    });
    return parsed.subject ?? '';
  } catch {
    return '';
  }
}

async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

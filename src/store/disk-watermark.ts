import { statfs } from 'node:fs/promises';
import type { Logger } from '../core/logger.js';

/**
 * Free space on the data directory's filesystem, sampled with statfs on a timer (never per
 * message), like Postfix's queue_minfree: below `minFreeBytes` new mail is refused with
 * 452 4.3.1 before a write can fail, and /readyz says not ready. It recovers by itself on
 * the next sample once space returns. `check()` samples at once (after a failed write).
 */
export interface DiskWatermark {
  /** True while the last sample was under the watermark. */
  below(): boolean;
  /**
   * True while under half the watermark: the half kept for recording what is already queued is
   * being used up, so delivery waits instead of sending mail whose result it could not record.
   */
  critical(): boolean;
  /** Free bytes (for unprivileged users) at the last sample; undefined before the first. */
  freeBytes(): number | undefined;
  readonly minFreeBytes: number;
  /** Samples now; the promise settles once the new state is in force. Never rejects. */
  check(): Promise<void>;
  stop(): void;
}

/** What the listeners need: refuse while below, and re-sample at once after a failed write. */
export type DiskSpace = Pick<DiskWatermark, 'below' | 'check' | 'freeBytes'>;

export interface DiskWatermarkOptions {
  readonly path: string;
  readonly minFreeBytes: number;
  readonly intervalMs?: number;
  readonly logger: Logger;
}

/** The default watermark: room for a few messages of the largest size, and never under 64 MiB. */
export function defaultMinFreeBytes(maxMessageSize: number): number {
  return Math.max(64 * 1024 * 1024, 4 * maxMessageSize);
}

/** Starts sampling (the first sample is taken before this resolves, so a full disk is refused from the start). */
export async function startDiskWatermark(opts: DiskWatermarkOptions): Promise<DiskWatermark> {
  let free: number | undefined;
  let low = false;
  let running: Promise<void> | undefined;
  const sample = async (): Promise<void> => {
    try {
      const s = await statfs(opts.path);
      free = s.bavail * s.bsize;
    } catch (err) {
      // An unreadable data directory is no reason to refuse mail: the writes will tell.
      opts.logger.warn({ err, path: opts.path }, 'cannot read free disk space');
      return;
    }
    const now = opts.minFreeBytes > 0 && free < opts.minFreeBytes;
    if (now !== low) logChange(opts, now, free);
    low = now;
  };
  const check = (): Promise<void> => {
    running ??= sample().finally(() => {
      running = undefined;
    });
    return running;
  };
  await check();
  const timer = setInterval(() => {
    void check();
  }, opts.intervalMs ?? 1_000);
  timer.unref();
  // A failed commit anywhere (store/lmdb-env.ts reports it as a process warning): sample now.
  const onWarning = (warning: Error): void => {
    if ((warning as NodeJS.ErrnoException).code?.startsWith('POSTBODE_LMDB_')) void check();
  };
  process.on('warning', onWarning);
  return {
    below: () => low,
    critical: () => low && free !== undefined && free < opts.minFreeBytes / 2,
    freeBytes: () => free,
    minFreeBytes: opts.minFreeBytes,
    check,
    stop: () => {
      clearInterval(timer);
      process.off('warning', onWarning);
    },
  };
}

/** /readyz's answer (api/http-app.ts Readiness): not ready while below the watermark. */
export function diskReadiness(
  disk: DiskWatermark,
): { ready: true } | { ready: false; reason: string; details: Record<string, unknown> } {
  if (!disk.below()) return { ready: true };
  return {
    ready: false,
    reason: 'disk_below_watermark',
    details: { freeBytes: disk.freeBytes(), minFreeBytes: disk.minFreeBytes },
  };
}

function logChange(opts: DiskWatermarkOptions, low: boolean, free: number): void {
  const fields = { path: opts.path, freeBytes: free, minFreeBytes: opts.minFreeBytes };
  if (low) opts.logger.error(fields, 'disk space below queue.minFreeBytes: refusing new mail with 452 4.3.1');
  else opts.logger.warn(fields, 'disk space back above queue.minFreeBytes: accepting mail again');
}

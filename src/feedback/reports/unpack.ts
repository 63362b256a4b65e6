import { promisify } from 'node:util';
import { gunzip, inflateRaw } from 'node:zlib';
import { ReportRejected } from './report-error.js';
import type { ReportLimits } from './report-limits.js';
import { zipEntry } from './zip-entry.js';

const gunzipAsync = promisify(gunzip);
const inflateRawAsync = promisify(inflateRaw);

/** Smallest cap the ratio allows: a tiny well-formed report can legitimately expand more than big ones. */
const MIN_CAP = 64 * 1024;

/** The output cap for `compressed` bytes of input: the absolute limit, or the ratio limit if lower. */
export function outputCap(compressed: number, limits: ReportLimits): number {
  return Math.min(limits.maxBytes, Math.max(MIN_CAP, compressed * limits.maxRatio));
}

/**
 * The report inside an attachment: gzip and zip (one entry) are inflated with a cap on the
 * output, so a bomb stops at the cap instead of filling memory; anything else is taken as is.
 */
export async function unpackReport(data: Buffer, limits: ReportLimits): Promise<Buffer> {
  if (data[0] === 0x1f && data[1] === 0x8b) return inflateCapped(() => gunzipAsync(data, cap(data.length, limits)));
  if (data.length >= 4 && data.readUInt32LE(0) === 0x04034b50) {
    const entry = zipEntry(data);
    if (entry.method === 0) return checkSize(entry.data, limits);
    return inflateCapped(() => inflateRawAsync(entry.data, cap(entry.data.length, limits)));
  }
  return checkSize(data, limits);
}

function cap(compressed: number, limits: ReportLimits): { maxOutputLength: number } {
  return { maxOutputLength: outputCap(compressed, limits) };
}

function checkSize(data: Buffer, limits: ReportLimits): Buffer {
  if (data.length > limits.maxBytes) throw new ReportRejected('too-large', `report of ${data.length} bytes`);
  return data;
}

async function inflateCapped(run: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await run();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new ReportRejected('too-large', 'report expands beyond the size or ratio limit');
    throw new ReportRejected('bad-archive', `cannot inflate the report: ${String(err)}`);
  }
}

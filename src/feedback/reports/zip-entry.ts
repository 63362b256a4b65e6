import { ReportRejected } from './report-error.js';

/** The one file of a report's zip: how it is compressed (0 stored, 8 deflate) and its bytes as stored. */
export interface ZipEntry {
  readonly name: string;
  readonly method: 0 | 8;
  readonly data: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65535. */
const EOCD_SEARCH = 22 + 0xffff;

/**
 * Reads the first entry of a zip archive through its central directory (the local header's
 * sizes are zero when the writer streamed it). A report zip holds one XML file; more entries,
 * encryption, zip64 or another method are refused rather than half-read.
 */
export function zipEntry(zip: Buffer): ZipEntry {
  const end = findEnd(zip);
  const entries = zip.readUInt16LE(end + 10);
  const central = zip.readUInt32LE(end + 16);
  if (entries !== 1) throw bad(`zip with ${entries} entries`);
  if (central + 46 > zip.length || zip.readUInt32LE(central) !== CENTRAL) throw bad('zip central directory missing');
  const flags = zip.readUInt16LE(central + 8);
  const method = zip.readUInt16LE(central + 10);
  const size = zip.readUInt32LE(central + 20);
  const nameLength = zip.readUInt16LE(central + 28);
  const local = zip.readUInt32LE(central + 42);
  if (flags & 1) throw bad('encrypted zip');
  if (method !== 0 && method !== 8) throw bad(`zip method ${method}`);
  if (size === 0xffffffff || local === 0xffffffff) throw bad('zip64');
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) throw bad('zip local header missing');
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  if (start + size > zip.length) throw bad('zip entry runs past the end');
  const name = zip.subarray(central + 46, central + 46 + nameLength).toString('latin1');
  return { name, method, data: zip.subarray(start, start + size) };
}

function findEnd(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - EOCD_SEARCH);
  for (let at = zip.length - 22; at >= lowest; at -= 1) if (zip.readUInt32LE(at) === EOCD) return at;
  throw bad('zip end record missing');
}

function bad(what: string): ReportRejected {
  return new ReportRejected('bad-archive', what);
}

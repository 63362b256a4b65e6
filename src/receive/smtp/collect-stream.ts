import type { Readable } from 'node:stream';

export interface Collected {
  /** The whole input, or empty when it went over the limit. */
  readonly data: Buffer;
  readonly truncated: boolean;
}

/**
 * Reads a stream to its end, keeping at most `max` bytes: past that it drops what it kept
 * and only drains, so an oversized message costs no memory and the client still gets its
 * 552 after the final dot (SMTP cannot refuse mid-DATA). Rejects when the stream is
 * destroyed first (the client went away).
 */
export function collectCapped(stream: Readable, max: number): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    stream.on('data', (chunk: Buffer) => {
      if (truncated) return;
      size += chunk.length;
      if (size > max) {
        truncated = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve({ data: truncated ? Buffer.alloc(0) : Buffer.concat(chunks, size), truncated }));
    stream.once('error', reject);
    // After 'end' this is a no-op (the promise is settled); before it, the input was cut short.
    stream.once('close', () => reject(new Error('connection closed during DATA')));
  });
}

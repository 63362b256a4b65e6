import type { DocumentFormat, DocumentReading } from './facts.js';
import type { Sniffed } from './sniff.js';

/** What the reader pool and its worker threads say to each other. */
export interface ReadRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly filename?: string;
  readonly contentType?: string;
  readonly maxBytes: number;
}

export type WorkerMessage = { readonly ready: true } | { readonly id: number; readonly reading: DocumentReading };

/** A reading crosses the thread boundary by structured clone, which turns a Buffer into a Uint8Array. */
export function revive(reading: DocumentReading): DocumentReading {
  const xml = reading.xml as Uint8Array | undefined;
  if (xml === undefined || Buffer.isBuffer(xml)) return reading;
  return { ...reading, xml: Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength) };
}

/** The answer when reading did not finish (time limit, memory, crash, pool closed): what it seemed to be, no facts. */
export function unfinished(kind: Sniffed, filename: string | undefined, problem: string): DocumentReading {
  const format: DocumentFormat = kind === 'pdf' ? 'pdf-unreadable' : kind === 'xml' ? 'xml-other' : 'unknown';
  return { ...(filename !== undefined ? { filename } : {}), format, facts: {}, problems: [problem] };
}

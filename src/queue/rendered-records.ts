import type { Database } from 'lmdb';
import { mergeRendered, type RenderedDelivery, type RenderedMessage, type StoredRoute } from '../core/rendered.js';
import type { QueuedMessage } from '../core/types.js';

/**
 * Rendered messages in the queue's environment, in two named databases:
 * - rendered: id → RenderedRecord (msgpack), the deliveries without their bytes
 * - rendered-parts: `id:n` → bytes (`binary`), each distinct buffer once: VERP deliveries of
 *   one message share the same signed bytes, so they share one part
 * Written only when an attempt left recipients pending (the honest first attempt that
 * delivers everything writes nothing), removed when the message completes.
 */
export interface RenderedRecord {
  readonly fingerprint: string;
  readonly parts: number;
  readonly deliveries: ReadonlyArray<{
    readonly route: StoredRoute;
    readonly recipients: readonly string[];
    readonly from: string;
    readonly part: number;
    readonly note?: string;
  }>;
  /** Kept for a review hold (RenderedMessage.reviewed). */
  readonly reviewed?: true;
}

export interface RenderedDbs {
  readonly rendered: Database<RenderedRecord, string>;
  readonly renderedParts: Database<Buffer, string>;
}

const partKey = (id: string, n: number): string => `${id}:${n}`;

export function readRendered(dbs: RenderedDbs, id: string): RenderedMessage | undefined {
  const record = dbs.rendered.get(id);
  if (!record) return undefined;
  const parts: Buffer[] = [];
  for (let n = 0; n < record.parts; n++) {
    const raw = dbs.renderedParts.get(partKey(id, n));
    if (raw === undefined) return undefined; // torn or purged: the planner renders again
    parts.push(raw);
  }
  return joinRendered(record, parts);
}

/** A stored record and its parts as the planner reads them; undefined when parts are missing (torn). */
export function joinRendered(record: RenderedRecord, parts: readonly Buffer[]): RenderedMessage | undefined {
  if (parts.length !== record.parts) return undefined;
  const deliveries = record.deliveries.map(
    (d): RenderedDelivery => ({
      route: d.route,
      recipients: d.recipients,
      from: d.from,
      raw: parts[d.part] as Buffer,
      ...(d.note === undefined ? {} : { note: d.note }),
    }),
  );
  return { fingerprint: record.fingerprint, deliveries, ...(record.reviewed ? { reviewed: true } : {}) };
}

/**
 * Issues the writes (call inside a transaction or within one event turn): the record and its parts replace the old
 * ones.
 */
export function writeRendered(dbs: RenderedDbs, id: string, message: RenderedMessage): void {
  const { record, parts } = splitRendered(message);
  const before = dbs.rendered.get(id)?.parts ?? 0;
  parts.forEach((raw, n) => void dbs.renderedParts.put(partKey(id, n), raw));
  for (let n = parts.length; n < before; n++) void dbs.renderedParts.remove(partKey(id, n));
  void dbs.rendered.put(id, record);
}

/** The deliveries without their bytes, and each distinct rendered message once (VERP deliveries share one). */
export function splitRendered(message: RenderedMessage): { record: RenderedRecord; parts: Buffer[] } {
  const index = new Map<Buffer, number>();
  const deliveries = message.deliveries.map((d) => {
    let part = index.get(d.raw);
    if (part === undefined) {
      part = index.size;
      index.set(d.raw, part);
    }
    return {
      route: d.route,
      recipients: [...d.recipients],
      from: d.from,
      part,
      ...(d.note === undefined ? {} : { note: d.note }),
    };
  });
  const reviewed = message.reviewed === true ? { reviewed: true as const } : {};
  return {
    record: { fingerprint: message.fingerprint, parts: index.size, deliveries, ...reviewed },
    parts: [...index.keys()],
  };
}

/** Inside a transaction: merges `next` into what the pending message `id` keeps (mergeRendered). */
export function keepRenderedIn(
  dbs: RenderedDbs & { readonly messages: Database<QueuedMessage, string> },
  id: string,
  next: RenderedMessage,
): void {
  const message = dbs.messages.get(id);
  if (!message || message.completedAt !== undefined) return;
  // Only the same settings keep older deliveries: read their bytes only then.
  const old = dbs.rendered.get(id)?.fingerprint === next.fingerprint ? readRendered(dbs, id) : undefined;
  writeRendered(dbs, id, mergeRendered(old, next));
}

/** Issues the removal of a message's rendered form, if any (call inside a transaction). */
export function removeRendered(dbs: RenderedDbs, id: string): void {
  const record = dbs.rendered.get(id);
  if (!record) return;
  for (let n = 0; n < record.parts; n++) void dbs.renderedParts.remove(partKey(id, n));
  void dbs.rendered.remove(id);
}

import type { Database, RootDatabase } from 'lmdb';
import { GatewayError } from '../core/gateway-error.js';
import type { Annotation } from '../core/effects.js';

/**
 * Annotations in the queue's environment, named database `annotations`: id → the note as JSON
 * bytes (`binary`). Encoded before the transaction that writes them, because a put that throws
 * inside lmdb's async transaction() does not roll back the puts before it; a note that cannot
 * be encoded then fails the whole write before anything is written. Removed with the message's
 * log record (purge).
 */
export type AnnotationDb = Database<Buffer, string>;

export function openAnnotations(root: RootDatabase): AnnotationDb {
  return root.openDB<Buffer, string>('annotations', { encoding: 'binary' });
}

export interface EncodedAnnotation {
  readonly queueId: string;
  readonly bytes: Buffer;
}

export function encodeAnnotation(a: Annotation): EncodedAnnotation {
  try {
    return { queueId: a.queueId, bytes: Buffer.from(JSON.stringify(a.note)) };
  } catch (err) {
    throw new GatewayError('E_INVALID', `annotation of ${a.queueId} is not JSON: ${String(err)}`, { cause: err });
  }
}

export function readAnnotation<T extends object>(db: AnnotationDb, queueId: string): T | undefined {
  const bytes = db.get(queueId);
  return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
}

/**
 * Bytes by id, written once and read rarely: the need of the body archive (queue/body-archive.ts),
 * where the bodies of finished mail go. The seam a second engine implements (a table of bytea, or
 * object storage); test/store/blob-store-contract.ts is what an implementation must pass: bytes come
 * back byte-identical, a put is idempotent, a closed store answers GatewayError E_STORAGE, and a
 * full disk answers false without losing what was stored before.
 *
 * Writes never reject: the caller has a fallback (the queue keeps the body) and must not stop on a
 * failed archive write or purge.
 */
export interface BlobStore {
  /** Stores the bytes; resolves true once they are on disk, false when they could not be. Same id, same bytes. */
  put(id: string, bytes: Buffer): Promise<boolean>;
  /** A copy of the bytes, or undefined. Throws GatewayError E_STORAGE when the store cannot be read (closed). */
  get(id: string): Buffer | undefined;
  /**
   * Hands the stored bytes to `read` without copying them, for a caller that needs only a part
   * (the headers); the bytes are valid only during the call. Undefined when there are none.
   */
  peek<R>(id: string, read: (bytes: Buffer) => R): R | undefined;
  /** Deletes these ids (missing ones are fine); a failure is the store's to log. */
  remove(ids: readonly string[]): Promise<void>;
  /** Waits for pending writes, then closes. Safe to call twice. */
  close(): Promise<void>;
}

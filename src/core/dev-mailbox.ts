import type { Envelope } from './types.js';

/** What the dev mailbox shows in its list; the `.json` sidecar of each `.eml`. */
export interface CapturedMessage {
  readonly id: string;
  readonly capturedAt: number;
  readonly envelope: Envelope;
  /** Decoded Subject header; '' when the message has none. */
  readonly subject: string;
  readonly size: number;
}

/**
 * The dev mailbox: outgoing mail kept on disk instead of sent (delivery.mode capture). Here, not in
 * transports/capture/, because the capture transport writes it and the admin pages read it.
 */
export interface CaptureMailbox {
  save(envelope: Envelope, raw: Buffer): Promise<CapturedMessage>;
  /** Newest first, at most `limit`. */
  list(limit?: number): Promise<CapturedMessage[]>;
  get(id: string): Promise<CapturedMessage | undefined>;
  raw(id: string): Promise<Buffer | undefined>;
}

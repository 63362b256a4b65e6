import type { MaybePromise, Route } from './types.js';

/**
 * A message's deliveries as the pipeline rendered them (final, signed bytes), kept by the
 * queue while the message is pending so that a retry sends the same bytes instead of running
 * the pipeline again. Plain data: what the queue stores and the planner reads back.
 */

/**
 * A route as stored: nothing secret. A tenant's own server and a Gmail link keep only their
 * key and owner; the planner opens the hop or account again from the current settings at
 * send time (a password or refresh token never goes into the queue).
 */
export type StoredRoute =
  | { readonly kind: 'smarthost'; readonly name: string }
  | { readonly kind: 'direct'; readonly domain: string }
  | { readonly kind: 'capture' }
  | { readonly kind: 'relay'; readonly key: string; readonly owner: string }
  | { readonly kind: 'gmail'; readonly key: string; readonly owner: string }
  | { readonly kind: 'microsoft365'; readonly key: string; readonly owner: string };

export interface RenderedDelivery {
  readonly route: StoredRoute;
  readonly recipients: readonly string[];
  /** Envelope sender (a VERP address per lead recipient, or the client's). */
  readonly from: string;
  readonly raw: Buffer;
  readonly note?: string;
}

export interface RenderedMessage {
  /** Digest of the tenant settings the rendering used (see src/pipeline/rendered-deliveries.ts). */
  readonly fingerprint: string;
  readonly deliveries: readonly RenderedDelivery[];
  /**
   * Kept for a review hold: what the tenant saw. A release sends these bytes whatever the
   * settings are by then (render-once skips its fingerprint check); only an edit renders again.
   */
  readonly reviewed?: boolean;
}

/** What the queue offers for rendered messages; both sides of the store, one message at a time. */
export interface RenderedStore {
  rendered(id: string): MaybePromise<RenderedMessage | undefined>;
  /** Stores `next` merged into what is kept (see mergeRendered); resolves at commit. */
  keepRendered(id: string, next: RenderedMessage): Promise<void>;
  /**
   * Keeps the bytes a client recipient's next hop accepted, for the message log's "as sent" view; only the first
   * such delivery of a message is kept. Never throws, never awaited: a lost copy only leaves that view empty.
   */
  keepSent?(id: string, raw: Buffer): void;
}

/**
 * The stored form of a route; undefined for a route that is never stored (`suppressed`, `peppol`: decided per
 * attempt).
 */
export function storedRoute(route: Route): StoredRoute | undefined {
  switch (route.kind) {
    case 'relay':
      return { kind: 'relay', key: route.key, owner: route.owner };
    case 'gmail':
      return { kind: 'gmail', key: route.key, owner: route.owner };
    case 'microsoft365':
      return { kind: 'microsoft365', key: route.key, owner: route.owner };
    case 'suppressed':
    case 'peppol':
      return undefined;
    default:
      return route;
  }
}

/**
 * Same settings: the new deliveries replace the old ones for their recipients, the rest is
 * kept. Other settings (a re-render): only the new ones.
 */
export function mergeRendered(old: RenderedMessage | undefined, next: RenderedMessage): RenderedMessage {
  if (!old || old.fingerprint !== next.fingerprint) return next;
  const renewed = new Set(next.deliveries.flatMap((d) => d.recipients));
  const kept = old.deliveries
    .map((d) => ({ ...d, recipients: d.recipients.filter((a) => !renewed.has(a)) }))
    .filter((d) => d.recipients.length > 0);
  const reviewed = old.reviewed === true || next.reviewed === true ? { reviewed: true } : {};
  return { fingerprint: next.fingerprint, deliveries: [...kept, ...next.deliveries], ...reviewed };
}

/**
 * The last stage of the pipeline: DKIM-signs the planned deliveries once their content is
 * final. Platform modes only (forwarding: the platform key; own-address: the tenant domain's
 * keys); own-SMTP mail and our DSNs are never signed by us. Each distinct byte buffer is
 * signed once, in the worker pool, and deliveries sharing it share the signed copy.
 *
 * The stage consumes the unsigned bytes: a buffer that owns its memory is transferred to the
 * worker (no copy on the event loop) and reads as empty afterwards; pooled small buffers and
 * views into larger ones are copied first, so memory the caller shares is never detached.
 */
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import { type SmtpReply, smtpReply } from '../core/smtp-reply.js';
import type { PlannedDelivery } from '../core/plan.js';
import type { SignPool } from './sign-pool.js';
import type { SigningKey } from './signer.js';

/** Whose key signs: the platform's (forwarding) or a tenant's verified domain (own-address). */
export type SignAs =
  | { readonly kind: 'platform' }
  | { readonly kind: 'tenant'; readonly tenantId: string; readonly domain: string };

export interface SigningKeys {
  platformKeys(): SigningKey[];
  tenantKeys(tenantId: string, domain: string): SigningKey[];
}

export interface SignStageDeps {
  readonly pool: Pick<SignPool, 'sign'>;
  readonly keys: SigningKeys;
  readonly logger: Logger;
}

export type SignStage = (
  deliveries: readonly PlannedDelivery[],
  as: SignAs,
  queueId: string,
) => Promise<PlannedDelivery[]>;

/** The reply of mail whose signing failed: it waits rather than ever leaving unsigned where a signature is required. */
export const SIGNING_FAILED_REPLY: SmtpReply = smtpReply(451, '4.7.5', 'DKIM signing failed, will retry');

/** Thrown so that the attempt is deferred with SIGNING_FAILED_REPLY (delivery/attempt.ts). */
export function signingFailed(message: string, cause?: unknown): GatewayError {
  return new GatewayError('E_DKIM_SIGN', message, {
    reply: SIGNING_FAILED_REPLY,
    ...(cause === undefined ? {} : { cause }),
  });
}

const MOVE = Object.freeze({ transfer: true });

export function createSignStage(deps: SignStageDeps): SignStage {
  return async (deliveries, as, queueId) => {
    const keys = as.kind === 'platform' ? deps.keys.platformKeys() : deps.keys.tenantKeys(as.tenantId, as.domain);
    if (keys.length === 0) {
      // No platform key (no sending domain): forwarding stays unsigned. A tenant domain must sign.
      if (as.kind === 'platform') return [...deliveries];
      deps.logger.error({ queueId, domain: as.domain }, 'no active DKIM key for own-address mail, deferring');
      throw signingFailed(`no active DKIM key for ${as.domain}`);
    }
    const signed = new Map<Buffer, Promise<Buffer>>();
    // Moved, not copied: the worker returns them signed, and nothing reads the unsigned bytes afterwards.
    for (const d of deliveries) if (!signed.has(d.raw)) signed.set(d.raw, deps.pool.sign(d.raw, keys, MOVE));
    try {
      const results = new Map<Buffer, Buffer>();
      for (const [raw, promise] of signed) results.set(raw, await promise);
      return deliveries.map((d) => ({ ...d, raw: signedCopy(results, d.raw) }));
    } catch (err) {
      // Settle the rest so no rejection is left unhandled.
      await Promise.allSettled(signed.values());
      deps.logger.error(
        { queueId, signer: as.kind === 'platform' ? 'platform' : as.domain, err },
        'DKIM signing failed, deferring',
      );
      throw signingFailed('DKIM signing failed', err);
    }
  };
}

function signedCopy(results: ReadonlyMap<Buffer, Buffer>, raw: Buffer): Buffer {
  const signed = results.get(raw);
  if (signed === undefined) throw new Error('a planned delivery was not signed');
  return signed;
}

/** Which key signs a message sent in `mode`; undefined: not signed by us (own-smtp). */
export function signerFor(
  mode: 'forwarding' | 'own-address' | 'own-smtp',
  tenantId: string,
  ownAddress: string | undefined,
): SignAs | undefined {
  if (mode === 'forwarding') return { kind: 'platform' };
  if (mode === 'own-address' && ownAddress !== undefined) {
    return { kind: 'tenant', tenantId, domain: ownAddress.slice(ownAddress.lastIndexOf('@') + 1).toLowerCase() };
  }
  return undefined;
}

import type { Clock } from '../core/clock.js';
import type { GatewayEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Config } from '../config/schema.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Storage } from '../store/storage.js';
import { configuredTargetGuard } from '../transports/egress/target-guard.js';
import { startWebhooks, type WebhookStores, type Webhooks } from '../webhooks/open-webhooks.js';

export interface WebhookWiring {
  readonly storage: Storage;
  readonly config: Config;
  readonly secrets: SecretBox;
  /** The content stage's note of a message (its document number), kept by the queue. */
  readonly annotation: (queueId: string) => { readonly documentNumber?: string } | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Webhooks joined to the rest: endpoint hosts pass the egress guard like every tenant-chosen
 * target, secrets are sealed by the secret box, and an event leaving the outbox gets the
 * message's document number when the content stage found one.
 */
export function wireWebhooks(stores: WebhookStores, w: WebhookWiring): Webhooks {
  const guard = configuredTargetGuard(w.config);
  const enrich = (event: GatewayEvent): GatewayEvent => {
    const number = event.data.queueId ? w.annotation(event.data.queueId)?.documentNumber : undefined;
    return number === undefined ? event : { ...event, data: { ...event.data, documentNumber: number } };
  };
  return startWebhooks(stores, {
    storage: w.storage,
    config: w.config.webhooks,
    resolveHost: (host) => guard.resolve(host),
    seal: (plaintext, context) => w.secrets.seal(plaintext, context),
    open: (sealed, context) => w.secrets.open(sealed, context),
    enrich,
    clock: w.clock,
    logger: w.logger,
  });
}

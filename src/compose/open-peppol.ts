import type { PeppolApiDeps } from '../admin/api/v1/route-deps.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Plan } from '../core/plan.js';
import type { MessageQueue, Transport } from '../core/types.js';
import type { DocumentReader } from '../pipeline/documents-of.js';
import type { PeppolDeps, PeppolStageDeps } from '../pipeline/peppol/peppol-document.js';
import { peppolInsteadStep, peppolPlanner } from '../pipeline/peppol/peppol-step.js';
import type { RecipientStep } from '../pipeline/steps.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Storage } from '../store/storage.js';
import type { OpenDocuments } from '../store/tenant-documents.js';
import { openPeppolStore, type PeppolStore } from '../tenants/peppol/peppol-store.js';
import { configuredTargetGuard } from '../transports/egress/target-guard.js';
import { createPeppolTransport } from '../transports/peppol/peppol-transport.js';

/**
 * Peppol delivery's parts, built once by the composition root: the tenants' settings, the
 * transport (tenant-given access points go through the egress guard, like a tenant's own SMTP
 * server), the pipeline's stage, recipient step and planner, and the API's side. `read` is the
 * document reader pool's: with it a Factur-X PDF is read too (only UBL goes over Peppol either way).
 */
export interface PeppolParts {
  readonly store: PeppolStore;
  readonly transport: Transport;
  readonly stage: PeppolStageDeps;
  readonly insteadStep: RecipientStep;
  readonly planner: Plan;
  readonly api: PeppolApiDeps;
  readonly tenantData: {
    readonly name: string;
    tenantIds(): Iterable<string>;
    forget(tenantId: string): Promise<number>;
  };
}

export async function openPeppol(
  storage: Storage,
  config: Config,
  secrets: SecretBox,
  queue: Pick<MessageQueue, 'get'>,
  clock: Clock,
  logger: Logger,
  read?: DocumentReader,
  documents?: OpenDocuments,
): Promise<PeppolParts> {
  const store = await openPeppolStore(storage, documents);
  const deps: PeppolDeps = {
    settings: (tenantId) => store.get(tenantId),
    openSecret: (sealed, context) => secrets.open(sealed, context),
    ...(read ? { read } : {}),
  };
  return {
    store,
    transport: createPeppolTransport({
      guard: configuredTargetGuard(config),
      timeoutMs: config.delivery.sendTimeoutMs,
    }),
    stage: { ...deps, queue, clock, hostname: config.hostname, logger },
    insteadStep: peppolInsteadStep(deps, logger),
    planner: peppolPlanner(deps),
    api: { store, seal: (plaintext, context) => secrets.seal(plaintext, context) },
    tenantData: {
      name: 'peppol',
      tenantIds: () => store.tenantIds(),
      forget: async (tenantId) => ((await store.remove(tenantId)) ? 1 : 0),
    },
  };
}

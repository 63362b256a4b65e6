import type { EventType } from '../core/events.js';

/** A `whsec_` secret sealed at rest (secrets/secret-box.ts); `retiresAt` set on the old one during a rotation. */
export interface SealedSecret {
  readonly sealed: string;
  readonly createdAt: number;
  readonly retiresAt?: number;
}

export interface Endpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly events: readonly EventType[];
  readonly enabled: boolean;
  readonly description?: string;
  /** Newest first; more than one only during a rotation's overlap. */
  readonly secrets: readonly SealedSecret[];
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Why the dispatcher disabled it (failing for too long); cleared when the tenant enables it again. */
  readonly disabledReason?: string;
}

export interface EndpointHealth {
  readonly lastSuccessAt?: number;
  readonly lastFailureAt?: number;
  /** The last failure in one line: `HTTP 500`, `timeout after 10000 ms`, `ECONNREFUSED`. */
  readonly lastError?: string;
  readonly consecutiveFailures: number;
  /** First failure since the last success. */
  readonly failingSince?: number;
}

export const NO_HEALTH: EndpointHealth = { consecutiveFailures: 0 };

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event on its way to one endpoint. */
export interface Delivery {
  readonly id: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly tenantId: string;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt?: number;
  readonly lastAttemptAt?: number;
  /** The receiver's HTTP status of the last attempt, when it answered. */
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly deliveredAt?: number;
  /** Set on a delivery made by a replay: the delivery it repeats. */
  readonly replayOf?: string;
}

/** How one attempt ended. */
export interface AttemptResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
}

/** How `add` makes a delivery: a replay of `replayOf`, or (`due` false) a test event its caller attempts. */
export interface AddOptions {
  readonly replayOf?: string;
  readonly due?: boolean;
}

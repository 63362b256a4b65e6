import { z } from 'zod';
import type { Config } from '../config/schema.js';

/** The limits a tenant has, by name (the name the SMTP reply, the API and the metrics use). */
export interface TenantLimitValues {
  /** Messages accepted per sliding hour; null = none. */
  readonly messagesPerHour: number | null;
  /** Messages accepted per sliding day (24 hours); null = none. */
  readonly messagesPerDay: number | null;
  readonly recipientsPerMessage: number;
  /** Bytes, as received (after dot-unstuffing). */
  readonly maxMessageSize: number;
  /** This tenant's weight when delivery shares its slots (fair-share.ts). */
  readonly deliveryWeight: number;
}

export type LimitName =
  | 'messagesPerHour'
  | 'messagesPerDay'
  | 'recipientsPerMessage'
  | 'maxMessageSize'
  | 'transactionsPerSession';

const count = z.number().int().min(1).max(100_000_000);

/**
 * What an admin may set per tenant. A field left out keeps the operator's default (`limits.*`);
 * `null` puts it back to the default. recipientsPerMessage and maxMessageSize cannot go above
 * the listener's own smtp.maxRecipients / smtp.maxMessageSize (those are what SIZE advertises).
 */
export const limitOverridesSchema = z
  .strictObject({
    messagesPerHour: count.nullable().optional().meta({ description: 'Messages per sliding hour' }),
    messagesPerDay: count.nullable().optional().meta({ description: 'Messages per sliding 24 hours' }),
    recipientsPerMessage: z.number().int().min(1).max(10_000).nullable().optional(),
    maxMessageSize: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .nullable()
      .optional()
      .meta({ description: 'Bytes' }),
    deliveryWeight: z
      .number()
      .int()
      .min(1)
      .max(100)
      .nullable()
      .optional()
      .meta({ description: 'Share of delivery slots under contention, relative to other tenants (default 1)' }),
  })
  .meta({ id: 'TenantLimitOverrides' });

export type LimitOverrides = { -readonly [K in keyof TenantLimitValues]?: number };

/** The operator's defaults (`limits.*`), with the listener caps filled in. */
export function defaultLimits(config: Pick<Config, 'limits' | 'smtp'>): TenantLimitValues {
  return {
    messagesPerHour: config.limits.messagesPerHour,
    messagesPerDay: config.limits.messagesPerDay,
    recipientsPerMessage: Math.min(
      config.limits.recipientsPerMessage ?? config.smtp.maxRecipients,
      config.smtp.maxRecipients,
    ),
    maxMessageSize: Math.min(config.limits.maxMessageSize ?? config.smtp.maxMessageSize, config.smtp.maxMessageSize),
    deliveryWeight: 1,
  };
}

/** Defaults with a tenant's overrides on top; per-message caps never above the listener's. */
export function effectiveLimits(
  defaults: TenantLimitValues,
  overrides: LimitOverrides,
  caps: { readonly recipients: number; readonly size: number },
): TenantLimitValues {
  return {
    messagesPerHour: overrides.messagesPerHour ?? defaults.messagesPerHour,
    messagesPerDay: overrides.messagesPerDay ?? defaults.messagesPerDay,
    recipientsPerMessage: Math.min(overrides.recipientsPerMessage ?? defaults.recipientsPerMessage, caps.recipients),
    maxMessageSize: Math.min(overrides.maxMessageSize ?? defaults.maxMessageSize, caps.size),
    deliveryWeight: overrides.deliveryWeight ?? defaults.deliveryWeight,
  };
}

/** Applies a PUT body: a value sets, null clears, a missing key is left alone. */
export function mergeOverrides(current: LimitOverrides, change: z.output<typeof limitOverridesSchema>): LimitOverrides {
  const next: LimitOverrides = { ...current };
  for (const [key, value] of Object.entries(change) as Array<[keyof LimitOverrides, number | null | undefined]>) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}

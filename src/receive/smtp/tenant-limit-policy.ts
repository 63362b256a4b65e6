import { Replies } from '../../core/smtp-reply.js';
import type { TenantLimits } from '../../tenants/tenant-limits-service.js';
import type { Refusal } from './mail-policy.js';

/**
 * The per-tenant limits at SMTP time. All O(1): the counters are in memory (tenant-usage.ts)
 * and the limits are a map lookup. A refusal is counted as a hit of the limit it names.
 */

/** At MAIL FROM: the hourly and daily message counts, and the SIZE= the client declared. */
export function checkTenantMail(
  limits: TenantLimits,
  tenantId: string,
  declaredSize: number | undefined,
  now: number,
): Refusal | undefined {
  const l = limits.limitsOf(tenantId);
  if (l.messagesPerHour !== null && limits.usage.messagesLastHour(tenantId, now) >= l.messagesPerHour) {
    limits.hit(tenantId, 'messagesPerHour');
    return { reply: Replies.tenantRateLimited(l.messagesPerHour, 'hour'), reason: 'tenant-limit' };
  }
  if (l.messagesPerDay !== null && limits.usage.messagesLastDay(tenantId, now) >= l.messagesPerDay) {
    limits.hit(tenantId, 'messagesPerDay');
    return { reply: Replies.tenantRateLimited(l.messagesPerDay, 'day'), reason: 'tenant-limit' };
  }
  if (declaredSize !== undefined && declaredSize > l.maxMessageSize) {
    limits.hit(tenantId, 'maxMessageSize');
    return { reply: Replies.messageTooBig(l.maxMessageSize), reason: 'size' };
  }
  return undefined;
}

/** The SIZE= parameter of MAIL FROM (smtp-server has checked its syntax), if any. */
export function declaredSize(args: unknown): number | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const size = (args as { SIZE?: unknown }).SIZE;
  return typeof size === 'string' && /^\d{1,20}$/.test(size) ? Number(size) : undefined;
}

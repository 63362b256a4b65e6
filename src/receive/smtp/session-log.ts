import type { SMTPServerSession } from 'smtp-server';
import { normalizeIp } from './client-ip.js';

/** The tenant id smtp-server keeps as `session.user` after a successful AUTH (cleared by STARTTLS). */
export function authenticatedTenant(session: SMTPServerSession): string | undefined {
  const user: unknown = session.user;
  return typeof user === 'string' && user !== '' ? user : undefined;
}

/** Fields on every log line about a session: session id, client IP, tenant when known. */
export function sessionFields(session: SMTPServerSession, tenantId?: string): Record<string, string> {
  const tenant = tenantId ?? authenticatedTenant(session);
  return {
    session: session.id,
    ip: normalizeIp(session.remoteAddress ?? ''),
    ...(tenant !== undefined ? { tenant } : {}),
  };
}

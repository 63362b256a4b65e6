import { Replies } from '../../core/smtp-reply.js';
import type { TenantDirectory } from '../../core/types.js';
import type { Refusal } from './mail-policy.js';

/**
 * A tenant that requires TLS sends nothing over a plaintext session, whether it logged in
 * (on a listener that allows AUTH in the clear) or is matched by its IP allow-list:
 * 530 5.7.0, as Postfix answers with smtpd_enforce_tls. Only plaintext sessions look the
 * tenant up, so TLS sessions pay nothing for it.
 */
export async function checkTenantTls(
  tenants: TenantDirectory,
  tenantId: string,
  secure: boolean,
): Promise<Refusal | undefined> {
  if (secure) return undefined;
  const tenant = await tenants.byId(tenantId);
  return tenant?.requireTls === true ? { reply: Replies.tlsRequired(), reason: 'tls-required' } : undefined;
}

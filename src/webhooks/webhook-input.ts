import { GatewayError } from '../core/gateway-error.js';

/** A refused endpoint setting; `field` names the request field (`url`, `events`), so the API can say which. */
export class WebhookInputError extends GatewayError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('E_INVALID', message);
  }
}

export interface UrlPolicy {
  /** `webhooks.allowHttp`. */
  readonly allowHttp: boolean;
  /** The egress guard's resolve (transports/egress/): rejects with ETARGET for an address inside the network. */
  readonly resolveHost: (host: string) => Promise<readonly string[]>;
}

const MAX_URL = 2000;

/**
 * An endpoint URL the tenant may use: https (http only when the operator allows it), no user
 * name or password in it, and a host that resolves outside the network unless the operator
 * listed its range (`delivery.allowPrivateTargets`, the same rule as every tenant-chosen
 * target). A lookup that fails for now is accepted: each delivery checks the host again.
 */
export async function checkEndpointUrl(raw: string, policy: UrlPolicy): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookInputError('url', 'not a URL');
  }
  if (raw.length > MAX_URL) throw new WebhookInputError('url', `at most ${MAX_URL} characters`);
  const allowed = policy.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) {
    throw new WebhookInputError('url', policy.allowHttp ? 'must be an http(s) URL' : 'must be an https URL');
  }
  if (url.username !== '' || url.password !== '')
    throw new WebhookInputError('url', 'must not hold a user or password');
  if (url.hash !== '') throw new WebhookInputError('url', 'must not hold a #fragment');
  try {
    await policy.resolveHost(url.hostname.replace(/^\[|\]$/g, ''));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ETARGET') throw new WebhookInputError('url', 'address not allowed: the host is inside the network');
    if (code === 'ENOTFOUND') throw new WebhookInputError('url', 'host not found');
  }
  return url.toString();
}

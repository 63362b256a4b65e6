import { z } from 'zod';
import { SENDER_MODES, type SenderMode } from '../../../tenants/sender-settings.js';
import type { ApiDeps } from './api-deps.js';
import type { GatewayCapabilities } from './route-deps.js';

export type { GatewayCapabilities } from './route-deps.js';
import { defineRoute, type ApiRoute } from './route-spec.js';

/** Open tracking needs one copy per recipient sent by us: not through a tenant's server or Gmail. */
const TRACKING_MODES: readonly SenderMode[] = ['forwarding', 'own-address'];

const capabilitiesSchema = z
  .object({
    senderModes: z
      .array(z.enum(SENDER_MODES))
      .meta({ description: 'The sender modes this gateway offers (PUT …/sender refuses the others)' }),
    gmail: z
      .boolean()
      .meta({ description: 'Gmail mode: a Google OAuth client is configured; false: linking answers 409' }),
    microsoft365: z
      .boolean()
      .meta({ description: 'Microsoft 365 mode: an Entra app is configured; false: linking answers 409' }),
    ownAddress: z
      .boolean()
      .meta({ description: 'Own-address mode: a tenant domain, once verified, is DKIM-signed with its own keys' }),
    ownSmtp: z
      .boolean()
      .meta({ description: 'Own-SMTP mode: the operator allows tenant servers on at least one port' }),
    openTracking: z.boolean().meta({ description: 'Open tracking can be switched on (content settings)' }),
    openTrackingModes: z
      .array(z.enum(SENDER_MODES))
      .meta({ description: 'The modes in which a tracking pixel is added' }),
    forwardingDomain: z.string().nullable().meta({
      description:
        'The domain forwarding mail leaves from; null: no platform domain, mail keeps the legacy From (a plain relay)',
    }),
    keepClientTrace: z.boolean().meta({
      description:
        "Whether the legacy client's Received: line and X-Postbode-Original-From leave with the mail (config " +
        'privacy.keepClientTrace); they are always kept in the message log',
    }),
  })
  .meta({ id: 'Capabilities' });

export type CapabilitiesView = z.output<typeof capabilitiesSchema>;

export function capabilitiesView(
  caps: GatewayCapabilities,
  deps: Pick<ApiDeps, 'domains' | 'content'>,
): CapabilitiesView {
  const ownAddress = deps.domains !== undefined;
  const available: Record<SenderMode, boolean> = {
    forwarding: true,
    'own-address': ownAddress,
    'own-smtp': caps.ownSmtp,
    gmail: caps.gmail,
    microsoft365: caps.microsoft365 === true,
  };
  const senderModes = SENDER_MODES.filter((m) => available[m]);
  return {
    senderModes,
    gmail: caps.gmail,
    microsoft365: caps.microsoft365 === true,
    ownAddress,
    ownSmtp: caps.ownSmtp,
    openTracking: deps.content !== undefined,
    openTrackingModes: TRACKING_MODES.filter((m) => available[m]),
    forwardingDomain: caps.forwardingDomain,
    keepClientTrace: caps.keepClientTrace,
  };
}

export function capabilitiesRoutes(deps: ApiDeps & { readonly capabilities: GatewayCapabilities }): ApiRoute[] {
  const view = capabilitiesView(deps.capabilities, deps);
  return [
    defineRoute({
      method: 'get',
      path: '/capabilities',
      tag: 'System',
      access: 'tenant',
      summary: 'What this gateway offers',
      description:
        'The sender modes this gateway offers and what each needs of its configuration (Gmail: a Google OAuth ' +
        'client). Any token; the same answer for every tenant.',
      responses: { 200: { description: 'The capabilities', schema: capabilitiesSchema } },
      handle: async () => ({ status: 200, body: view }),
    }),
  ];
}

import { createHash } from 'node:crypto';
import type { RenderedDelivery } from '../core/rendered.js';
import type { QueuedMessage, Tenant } from '../core/types.js';
import type { SenderSettings } from '../tenants/sender-settings.js';
import type { PlannedDelivery } from '../core/plan.js';
import { holdUntilTested } from '../tenants/own-smtp-hold.js';
import { available, chooseMode, tenantRoute, type EffectiveMode, type PipelineDeps } from './shared.js';

/**
 * The two questions render-once asks the pipeline's inputs at a retry: are the settings the
 * rendering used still the tenant's (fingerprint), and can a stored delivery go out as it is
 * (open)? Both read only; neither renders.
 */

/**
 * A digest of what shapes the rendering: the tenant's sender settings (without the `broken`
 * flag and timestamps, which a failed hop or a passing test-send change without changing a
 * byte of the mail; a test-send does change `lastTestSend`, so own-SMTP holds still apply),
 * its content settings' version, its name and user name (From, forwarding local part), and
 * the mode the pipeline would use now (an own-address domain verified meanwhile).
 */
export async function settingsFingerprint(deps: PipelineDeps, message: QueuedMessage): Promise<string> {
  const tenant = await deps.tenants.byId(message.tenantId);
  const stored = deps.settings.get(message.tenantId);
  const choice = await chooseMode(stored, message.tenantId, deps.domains, ...available(deps));
  return fingerprintOf(deps, message.tenantId, stored, tenant, choice.mode);
}

/**
 * The fingerprint from what the caller already read: the tenant, its stored sender settings and
 * the mode chooseMode gives for them. The first attempt's pipeline stamps it from its own reads
 * (stages.ts, startDraft), so only a retry pays for settingsFingerprint.
 */
export function fingerprintOf(
  deps: PipelineDeps,
  tenantId: string,
  stored: SenderSettings,
  tenant: Tenant | undefined,
  mode: EffectiveMode,
): string {
  const { broken: _broken, updatedAt: _updated, ...settings } = stored;
  const content = deps.content?.store.get(tenantId)?.updatedAt ?? null;
  const shape = JSON.stringify([settings, content, tenant?.name ?? null, tenant?.smtpUsername ?? null, mode]);
  return createHash('sha256').update(shape).digest('base64url');
}

/**
 * A stored delivery for these still-pending recipients, with its route opened from the current
 * settings; undefined when that route no longer exists (new server settings, another Gmail
 * account, own-SMTP mode left): the caller renders again. Platform routes are asked of the
 * routing again, so a changed delivery mode or smarthost applies to mail already rendered.
 * Throws the planning deferrals the pipeline throws (own SMTP waiting for a test, Gmail link broken).
 */
export async function openStored(
  deps: PipelineDeps,
  message: QueuedMessage,
  stored: RenderedDelivery,
  recipients: readonly string[],
): Promise<PlannedDelivery[] | undefined> {
  const base = { raw: stored.raw, ...(stored.note === undefined ? {} : { note: stored.note }) };
  const route = stored.route;
  if (route.kind === 'relay') {
    const settings = deps.settings.get(message.tenantId);
    if (settings.mode !== 'own-smtp' || !settings.smtp) return undefined;
    holdUntilTested(settings);
    const open = tenantRoute(message.tenantId, settings, deps.openSecret);
    return open.kind === 'relay' && open.key === route.key
      ? [{ ...base, route: open, recipients: [...recipients], envelope: { from: stored.from, to: recipients } }]
      : undefined;
  }
  if (route.kind === 'microsoft365') {
    const plan = deps.microsoft365 ? await deps.microsoft365(message.tenantId, undefined, undefined) : undefined;
    if (plan?.route.kind !== 'microsoft365' || plan.route.key !== route.key) return undefined;
    return [
      { ...base, route: plan.route, recipients: [...recipients], envelope: { from: stored.from, to: recipients } },
    ];
  }
  if (route.kind === 'gmail') {
    const plan = deps.gmail ? await deps.gmail(message.tenantId, undefined, undefined) : undefined;
    if (plan?.route.kind !== 'gmail' || plan.route.key !== route.key) return undefined;
    return [
      { ...base, route: plan.route, recipients: [...recipients], envelope: { from: stored.from, to: recipients } },
    ];
  }
  return deps.routes(recipients).map((routed) => ({
    ...base,
    route: routed.route,
    recipients: routed.recipients,
    envelope: { from: stored.from, to: routed.recipients },
  }));
}

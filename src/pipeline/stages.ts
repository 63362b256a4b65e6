import { signerFor } from '../mailauth/sign-stage.js';
import { holdUntilTested } from '../tenants/own-smtp-hold.js';
import {
  available,
  chooseMode,
  gmailDeliveries,
  legacyFromAddress,
  legacyOwnership,
  senderIdentity,
  stripHiddenHeaders,
  tenantRoute,
  verpDeliveries,
  withOwnAddress,
  withoutForeignAddresses,
  type EffectiveMode,
  type PipelineDeps,
} from './shared.js';
import { fingerprintOf } from './rendered-deliveries.js';
import { withoutClientHop } from './sender/client-trace.js';
import { applyContent } from './content/content-stage.js';
import { withoutRawMarkers } from './content/strip-markers-raw.js';
import { ACCOUNTANT_COPY_HEADER, buildAccountantMessage } from './copies/sender-accountant.js';
import { forwardingLocalPart, linkedMailbox } from '../tenants/ownership/sender-guard.js';
import { findFields, joinMessage, splitMessage, type HeaderedMessage } from '../mime/index.js';
import { reencodeHeaders } from '../mime/header-charset.js';
import { applySenderIdentity } from './sender/sender-identity.js';
import { trackedCopies, trackingWanted } from './tracking/tracking-stage.js';
import type { Draft, Effect, Stage } from './draft.js';

/** The stages of src/pipeline/index.ts, in the order listed there. */

/** Hidden headers out; unless keepClientTrace, the client's host out of our Received: line. */
function hide(deps: PipelineDeps, m: HeaderedMessage): HeaderedMessage {
  return deps.keepClientTrace === true ? stripHiddenHeaders(m) : withoutClientHop(stripHiddenHeaders(m));
}

/** Content rendering (subject template, text, layout); its log annotation comes back as an effect. */
export const contentStage: Stage = async (draft, deps) => {
  const { message, pending } = draft;
  const tenantContent = deps.content?.store.get(message.tenantId)?.settings;
  const tracking =
    deps.tracking !== undefined && trackingWanted(tenantContent?.openTracking === true, draft.mode, draft.isCopy);
  const trackShortHtml = tenantContent?.trackShortMessages === true;
  const lead =
    pending.find((r) => r.role === undefined || r.role === 'client')?.address ?? message.envelope.to[0] ?? '';
  const outcome =
    deps.content && !draft.isCopy
      ? await applyContent(deps.content, message, draft.source, { recipient: lead })
      : undefined;
  const content = outcome?.rendered;
  // Not rendered (content off, a copy, a failed rendering): the package's [text:…] marker still never leaves.
  const split = hide(deps, content ? splitMessage(content.raw) : withoutRawMarkers(draft.split));
  const effects: readonly Effect[] = outcome
    ? [...draft.effects, { kind: 'annotate', queueId: message.id, note: outcome.note }]
    : draft.effects;
  const documents = outcome?.documents ?? draft.documents;
  const hold = draft.hold ?? outcome?.hold;
  return { ...draft, tracking, trackShortHtml, content, split, effects, documents, hold };
};

/** The From, Sender, Reply-To that leave; Gmail mode asks the linked account (a missing or broken link defers here). */
export const identityStage: Stage = async (draft, deps) => {
  const { message, settings, split } = draft;
  const gmail =
    draft.mode === 'gmail' && deps.gmail
      ? await deps.gmail(message.tenantId, settings.ownAddress, legacyFromAddress(split))
      : undefined;
  const microsoft =
    draft.mode === 'microsoft365' && deps.microsoft365
      ? await deps.microsoft365(message.tenantId, settings.ownAddress, legacyFromAddress(split))
      : undefined;
  const owned = legacyOwnership(deps, message.tenantId, draft.local, settings, split);
  const mailbox =
    gmail?.from ??
    microsoft?.from ??
    (draft.mode === 'own-smtp' ? linkedMailbox(deps, message.tenantId, draft.local, settings) : settings.ownAddress);
  // The gateway's setting gates the tenant's: the package's own From stays in the message log either way.
  const traced = deps.keepClientTrace === true ? settings : { ...settings, keepOriginalFrom: false };
  const identity = senderIdentity(draft.mode, withOwnAddress(traced, mailbox), draft.tenant, deps.platform, owned);
  if (traced.keepOriginalFrom && identity.from && !owned.from)
    deps.logger.info(
      { queueId: message.id, tenantId: message.tenantId, originalFrom: legacyFromAddress(split) },
      "legacy From not kept in X-Postbode-Original-From: not the tenant's address",
    );
  return { ...draft, gmail, microsoft, identity, raw: joinMessage(applySenderIdentity(split, identity)) };
};

/**
 * Open tracking: one copy per recipient with its own pixel, made from the finished bytes (only
 * the HTML part a reader shows changes). The one call of the tracking stage.
 */
export const trackingStage: Stage = async (draft, deps) => {
  const { raw } = draft;
  if (!draft.tracking || !deps.tracking || raw === undefined) return draft;
  const tracked = trackedCopies(deps.tracking, raw, draft.message.id, draft.pending, draft.trackShortHtml === true);
  if ('copies' in tracked) return { ...draft, copies: tracked.copies };
  deps.logger.info(
    { queueId: draft.message.id, tenantId: draft.message.tenantId, htmlLength: tracked.htmlLength },
    tracked.skipped === 'short-html'
      ? 'open tracking: too little HTML for a pixel (spam filters call it image-only); sent without one'
      : 'open tracking: no HTML part a pixel can go into; sent without one',
  );
  return draft;
};

/** Automatic mode: an invoice or credit note also goes to the accountant, as a separate message (an effect, once). */
export const accountantStage: Stage = async (draft, deps) => {
  const { message, source, settings } = draft;
  if (
    draft.isCopy ||
    !deps.accountant ||
    settings.accountantMode !== 'automatic' ||
    settings.accountantAddress === undefined
  )
    return draft;
  try {
    const copy = await buildAccountantMessage(deps.accountant, message, source, settings.accountantAddress, {
      automatic: true,
      detection: draft.content?.detection,
    });
    return copy ? { ...draft, effects: [...draft.effects, { kind: 'queue-copy', ...copy }] } : draft;
  } catch (err) {
    // A failure here never stops the delivery of the message itself: logged, tried again next attempt.
    deps.logger.error({ queueId: message.id, err }, 'accountant copy failed');
    return draft;
  }
};

/** Envelope and route per mode: VERP through the platform, the tenant's own server, or its Gmail account. */
export const routeStage: Stage = async (draft, deps) => {
  const { message, pending, raw, identity } = draft;
  if (raw === undefined) throw new Error('route stage before the identity stage');
  if (draft.mode === 'gmail') return { ...draft, deliveries: gmailDeliveries(draft.gmail, pending, raw) };
  if (draft.mode === 'microsoft365') return { ...draft, deliveries: gmailDeliveries(draft.microsoft, pending, raw) };
  if (draft.mode === 'own-smtp') {
    const recipients = pending.map((r) => r.address);
    // The null sender stays null (a DSN must not become bounceable); else the mailbox the From names.
    const from = message.envelope.from === '' ? '' : (identity?.from?.address ?? message.envelope.from);
    return {
      ...draft,
      deliveries: [
        {
          route: tenantRoute(message.tenantId, draft.settings, deps.openSecret),
          recipients,
          envelope: { from, to: recipients },
          raw,
        },
      ],
    };
  }
  const bounceDomain = draft.mode === 'own-address' ? ownBounceHost(deps, draft) : undefined;
  return {
    ...draft,
    deliveries: verpDeliveries(deps, message, raw, pending, draft.note, draft.copies, bounceDomain),
  };
};

/**
 * Own-address mail bounces to the tenant's verified bounce host (`bounces.<domain>`, a CNAME to ours), so SPF passes
 * for a domain aligned with the From; without one, to the platform's bounce domain.
 */
function ownBounceHost(deps: PipelineDeps, draft: Draft): string | undefined {
  const own = draft.settings.ownAddress;
  if (own === undefined || deps.domains.bounceHost === undefined) return undefined;
  return deps.domains.bounceHost(own.slice(own.lastIndexOf('@') + 1), draft.message.tenantId);
}

/** DKIM, last, once the content is final: platform modes only (forwarding: platform key; own-address: the domain's). */
export const signStage: Stage = async (draft, deps) => {
  if (draft.mode === 'gmail' || draft.mode === 'microsoft365' || draft.mode === 'own-smtp') return draft;
  if (!deps.sign || !draft.deliveries) return draft;
  const as = signerFor(draft.mode, draft.message.tenantId, draft.settings.ownAddress);
  return as ? { ...draft, deliveries: await deps.sign(draft.deliveries, as, draft.message.id) } : draft;
};

/**
 * The first draft: tenant, settings and the mode that applies (own-SMTP mail waits for a passing
 * test here); with `fingerprinted`, the settings' fingerprint from these same reads (render once).
 */
export async function startDraft(
  deps: PipelineDeps,
  message: Draft['message'],
  body: Buffer,
  pending: Draft['pending'],
  fingerprinted = false,
): Promise<Draft> {
  const tenant = await deps.tenants.byId(message.tenantId);
  const stored = deps.settings.get(message.tenantId);
  const local = forwardingLocalPart(stored, tenant?.smtpUsername);
  const settings = withoutForeignAddresses(deps, message, stored, local);
  const choice = await chooseMode(settings, message.tenantId, deps.domains, ...available(deps));
  if (choice.note)
    deps.logger.info(
      { queueId: message.id, tenantId: message.tenantId, wanted: settings.mode, used: choice.mode, note: choice.note },
      'sender mode fallback',
    );
  // New server settings saved in own-smtp mode: the mail waits for a passing test-send.
  if (choice.mode === 'own-smtp') holdUntilTested(settings);
  const original = splitMessage(body);
  const isCopy = findFields(original, ACCOUNTANT_COPY_HEADER).length > 0;
  // Raw 8-bit header text (Latin-1 from old packages) as RFC 2047 words, before anything reads it.
  const split = reencodeHeaders(original);
  // The fingerprint is of the stored settings: chooseMode again only when foreign addresses were dropped.
  const fingerprint = fingerprinted
    ? fingerprintOf(deps, message.tenantId, stored, tenant, settings === stored ? choice.mode : await modeOf(stored))
    : undefined;
  return {
    message,
    body,
    pending,
    tenant,
    settings,
    local,
    mode: choice.mode,
    note: choice.note,
    isCopy,
    tracking: false,
    split,
    source: split === original ? body : joinMessage(split),
    effects: [],
    fingerprint,
  };

  async function modeOf(s: typeof stored): Promise<EffectiveMode> {
    return (await chooseMode(s, message.tenantId, deps.domains, ...available(deps))).mode;
  }
}

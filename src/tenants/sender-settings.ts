import { createHash } from 'node:crypto';
import type { OAuthProviderName } from '../core/access-token.js';
import type { RelayHop } from '../core/types.js';

/**
 * A tenant's sender settings: how its mail leaves, and who gets extra copies.
 * Plain JSON, stored per tenant by sender-settings-store.ts; values were validated at the
 * API edge (single addr-specs, no line breaks in names), so the pipeline uses them as they are.
 */
export const SENDER_MODES = ['forwarding', 'own-address', 'own-smtp', 'gmail', 'microsoft365'] as const;
export type SenderMode = (typeof SENDER_MODES)[number];

export const ACCOUNTANT_MODES = ['off', 'manual', 'automatic'] as const;
export type AccountantMode = (typeof ACCOUNTANT_MODES)[number];

export type SmtpTlsMode = RelayHop['tls'];

/** The tenant's own SMTP server; the password only sealed (SecretBox, context smtpPasswordContext). */
export interface TenantSmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: SmtpTlsMode;
  readonly rejectUnauthorized: boolean;
  readonly user?: string;
  readonly passwordSealed?: string;
  /** The tenant lets its password go to this server without TLS (off: no TLS, no login). */
  readonly allowPlaintextAuth?: boolean;
  /**
   * Log in by AUTH XOAUTH2 as `user` (the mailbox address) with a token of the tenant's link at this provider,
   * instead of a password (then no password is kept). Unset: password login.
   */
  readonly oauth2?: { readonly provider: OAuthProviderName };
}

export interface TestSendRecord {
  readonly at: number;
  readonly ok: boolean;
  /** Plain words: "sent: 250 ...", "authentication failed: ...". */
  readonly summary: string;
  /** smtpSettingsHash of the settings the test used: activation needs it to match the current ones. */
  readonly settingsHash: string;
}

export interface SenderSettings {
  readonly mode: SenderMode;
  /** Display name in From; the tenant's name when unset. */
  readonly displayName?: string;
  /**
   * Local part of the forwarding address (`<localPart>@<platform.sendingDomain>`); derived from the SMTP user name when
   * unset.
   */
  readonly localPart?: string;
  /** "Send replies to". */
  readonly replyTo?: string;
  /** When the legacy message has its own Reply-To: keep it (legacy) or use the tenant's (tenant). */
  readonly replyToWins: 'tenant' | 'legacy';
  /** Keep the legacy From in X-Postbode-Original-From (forwarding and own-address modes). */
  readonly keepOriginalFrom: boolean;
  /** The tenant's own address (own-address mode; the From in own-smtp mode when set). */
  readonly ownAddress?: string;
  readonly smtp?: TenantSmtpSettings;
  /** Backup address: every message also goes to it, as an envelope recipient only. */
  readonly archiveAddress?: string;
  readonly accountantAddress?: string;
  readonly accountantMode: AccountantMode;
  /**
   * Forward auto-replies (out-of-office, Auto-Submitted) to "send replies to" too; they are always recorded
   * (src/feedback/).
   */
  readonly forwardAutoReplies?: boolean;
  /**
   * Set when the tenant's server refused our login or could not be reached by name; cleared by a good test-send or new
   * settings.
   */
  readonly broken?: { readonly at: number; readonly reason: string };
  readonly lastTestSend?: TestSendRecord;
  readonly updatedAt?: number;
}

export const DEFAULT_SENDER_SETTINGS: SenderSettings = Object.freeze({
  mode: 'forwarding',
  replyToWins: 'tenant',
  keepOriginalFrom: true,
  accountantMode: 'off',
});

export function smtpPasswordContext(tenantId: string): string {
  return `tenant:${tenantId}:smtp-password`;
}

/** Identifies one set of server settings (the sealed password included, never the password). */
export function smtpSettingsHash(smtp: TenantSmtpSettings): string {
  const parts: unknown[] = [
    smtp.host.toLowerCase(),
    smtp.port,
    smtp.tls,
    smtp.rejectUnauthorized,
    smtp.user ?? '',
    smtp.passwordSealed ?? '',
  ];
  // only when set: hashes of settings saved before the field existed stay the same
  if (smtp.allowPlaintextAuth === true) parts.push('plaintext-auth');
  if (smtp.oauth2 !== undefined) parts.push(`oauth2:${smtp.oauth2.provider}`);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** A local part made from the SMTP user name: lower-case letters, digits, dots and dashes. */
export function defaultLocalPart(smtpUsername: string): string {
  const slug = smtpUsername
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .replace(/\.{2,}/g, '.');
  return slug.slice(0, 64) || 'mail';
}

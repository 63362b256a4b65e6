/**
 * A tenant's Peppol delivery: off unless it enabled it, its access point (base URL and token, the token sealed at
 * rest), whether a document goes alongside the e-mail or instead of it, and its customers' Peppol ids by e-mail
 * address. Only a valid UBL invoice or credit note for a listed address goes over Peppol.
 */
export const PEPPOL_MODES = ['alongside', 'instead'] as const;
export type PeppolMode = (typeof PEPPOL_MODES)[number];

export interface PeppolSettings {
  readonly enabled: boolean;
  readonly accessPointUrl?: string;
  /** SecretBox, context peppolTokenContext(tenantId). */
  readonly tokenSealed?: string;
  readonly mode: PeppolMode;
  /** The tenant's own participant id, sent as the sender when the document names none. */
  readonly senderId?: string;
  /** Lower-case e-mail address → participant id (`0208:0123456789`). */
  readonly recipients: Readonly<Record<string, string>>;
  readonly updatedAt: number;
}

export const PEPPOL_DEFAULTS: PeppolSettings = Object.freeze({
  enabled: false,
  mode: 'alongside',
  recipients: Object.freeze({}),
  updatedAt: 0,
});

export function peppolTokenContext(tenantId: string): string {
  return `tenant:${tenantId}:peppol-token`;
}

/** The participant id the tenant listed for this address, when Peppol delivery is on and complete. */
export function peppolIdFor(settings: PeppolSettings, address: string): string | undefined {
  if (!settings.enabled || settings.accessPointUrl === undefined || settings.tokenSealed === undefined)
    return undefined;
  return settings.recipients[address.toLowerCase()];
}

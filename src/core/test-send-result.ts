/**
 * The outcome of a test-send through a tenant's own SMTP server, as the sender routes show it. Here,
 * not in transports/smtp/, because the transport classifies it and the admin API answers with it.
 */
export type TestSendOutcome =
  | 'sent'
  | 'auth-failed'
  | 'no-tls'
  | 'tls-failed'
  | 'address-not-allowed'
  | 'connection-refused'
  | 'timed-out'
  | 'host-not-found'
  | 'refused'
  /** XOAUTH2 login: no link gives a token (none, without the mail scope, or a provider not offered). */
  | 'not-linked'
  /** XOAUTH2 login: the provider refused the stored authorisation; link again. */
  | 'link-broken'
  | 'failed';

export interface TestSendResult {
  readonly ok: boolean;
  readonly outcome: TestSendOutcome;
  /** A fixed phrase per outcome ("connected, TLS ok, login refused"), at most with the reply code. */
  readonly summary: string;
}

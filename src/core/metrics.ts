/**
 * What the stages report. api/metrics.ts implements it with prom-client; tests and tools
 * that do not care use `noMetrics`.
 */
export interface Metrics {
  /** A message was queued (250 sent); `seconds` is end-of-DATA → durable. */
  accepted(seconds: number): void;
  /** A command or message was refused; reason is a short stable label ("relay", "auth", "size", ...). */
  rejected(reason: string): void;
  /** Per-recipient delivery outcomes. */
  delivery(outcome: 'delivered' | 'deferred' | 'bounced' | 'expired', count: number): void;
  /**
   * Inbound MX (src/feedback/): a bounce by category (hard, soft, delayed), a forwarded reply, a reply not forwarded
   * (category: why), a recorded auto-reply, a dropped forgery, a DMARC/TLS report (category: stored kind or why
   * dropped).
   */
  mx?(event: MxEvent, category?: string): void;
  /** Gmail mode (src/transports/gmail/gmail-transport.ts): one outcome per API send or refusal to send. */
  gmail?(outcome: GmailOutcome): void;
  /** Microsoft 365 mode (src/transports/microsoft/graph-transport.ts): one outcome per Graph send or refusal. */
  microsoft365?(outcome: MailboxOutcome): void;
  /**
   * A per-tenant or per-session limit refused something; `limit` is its name (messagesPerHour, ...), never a tenant id.
   */
  limitHit?(limit: string): void;
  /** Messages that were in flight when the previous process died, sent again at this start. */
  replayed?(count: number): void;
}

export type MxEvent = 'bounce' | 'reply-forwarded' | 'reply-held' | 'auto-reply' | 'forged' | 'report' | 'complaint';

/**
 * `sent`; Google deferred or bounced it; or Postbode held it back (link broken, daily limit, From not a send-as alias).
 */
export type GmailOutcome = 'sent' | 'deferred' | 'bounced' | 'link-broken' | 'daily-limit' | 'not-send-as';
/** The same outcomes for the other mailbox mode (Microsoft 365). */
export type MailboxOutcome = GmailOutcome;

export const noMetrics: Metrics = {
  accepted: () => undefined,
  rejected: () => undefined,
  delivery: () => undefined,
};

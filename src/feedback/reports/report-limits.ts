/**
 * Bounds for report intake: a report is untrusted input from anyone who can reach the MX, so
 * decompression, parsing and what is stored are all capped (a zip or gzip bomb, a huge XML).
 */
export interface ReportLimits {
  /** Largest decompressed report (bytes). */
  readonly maxBytes: number;
  /** Largest decompressed/compressed ratio; real reports stay far below it, bombs far above. */
  readonly maxRatio: number;
  /** Rows (DMARC records, TLS failure details) kept per report; the rest is counted, not kept. */
  readonly maxRows: number;
  /** XML element nesting depth. */
  readonly maxDepth: number;
}

export const REPORT_LIMITS: ReportLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxRatio: 200,
  maxRows: 1000,
  maxDepth: 32,
};

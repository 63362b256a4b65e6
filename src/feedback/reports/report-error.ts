import { GatewayError } from '../../core/gateway-error.js';

/** Why a report was not stored; the stable label of the counter and the log line. */
export type ReportProblem =
  | 'too-large'
  | 'bad-archive'
  | 'bad-xml'
  | 'doctype'
  | 'bad-json'
  | 'not-a-report'
  | 'no-report'
  | 'unowned';

/** A report refused for what it is (never retried): counted and logged, the message is dropped. */
export class ReportRejected extends GatewayError {
  constructor(
    readonly problem: ReportProblem,
    message: string,
  ) {
    super('E_INVALID', message);
  }
}

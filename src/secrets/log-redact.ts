/**
 * Field names that hold secrets or credentials wherever they appear in a log object.
 * Sealed values are listed too: they are safe at rest, but a log line is no place for them.
 */
const SECRET_FIELDS = [
  'password',
  'pass',
  'smtpPassword',
  'smtpPasswordHash',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'privateKey',
  'privateKeyPem',
  'secret',
  'sealed',
  'authorization',
] as const;

/**
 * pino `redact` paths: each field at the top level and one level down (pino's `*.x` matches
 * exactly one level), plus HTTP request headers as pino-http and express loggers nest them.
 * Deeper nesting is not covered: log the fields you need, never whole records.
 * Use: `pino({ redact: { paths: LOG_REDACT_PATHS } })` (censor default "[Redacted]").
 */
export const LOG_REDACT_PATHS: string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  // A tenant's own SMTP server travels as a Route whose hop holds the opened password.
  '*.hop.pass',
  '*.*.hop.pass',
  // A linked Gmail account travels as a Route whose account holds the opened refresh token.
  '*.account.refreshToken',
  '*.*.account.refreshToken',
  // A Peppol delivery travels as a Route whose hand-off holds the access point's opened token.
  '*.peppol.token',
  '*.*.peppol.token',
];

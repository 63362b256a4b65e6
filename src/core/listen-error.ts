import { GatewayError } from './gateway-error.js';

/**
 * Binds a listener, turning the OS error into a start-up message an operator can act on:
 * which listener, which config key (and its environment variable), and the usual cause.
 */
export async function bindOrExplain<T>(
  what: string,
  configKey: string,
  host: string,
  port: number,
  bind: () => Promise<T>,
): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    const hint =
      code === 'EACCES'
        ? ': ports below 1024 need root or CAP_NET_BIND_SERVICE'
        : code === 'EADDRINUSE'
          ? ': another program listens there'
          : '';
    throw new GatewayError(
      'E_LISTEN',
      `cannot listen on ${host}:${port} for ${what} (${code ?? String(err)}${hint}); change ${configKey} ` +
        `(environment ${envName(configKey)})`,
      { cause: err },
    );
  }
}

/** `mx.port` → `POSTBODE_MX__PORT`, `smtp.tlsPort` → `POSTBODE_SMTP__TLS_PORT` (src/config/env-overrides.ts). */
function envName(key: string): string {
  return `POSTBODE_${key
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('__')}`;
}

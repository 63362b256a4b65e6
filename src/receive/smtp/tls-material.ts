import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { GatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';

export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** True when this call made a self-signed certificate because none was configured. */
  readonly generated: boolean;
}

/**
 * The listener's certificate and key (PEM). With neither file present a self-signed
 * certificate is made and written, so a fresh install offers STARTTLS at once; with only
 * one present the configuration is wrong and we say which file is missing.
 */
export async function loadOrCreateTls(
  certFile: string,
  keyFile: string,
  hostname: string,
  logger: Logger,
): Promise<TlsMaterial> {
  const [hasCert, hasKey] = await Promise.all([exists(certFile), exists(keyFile)]);
  if (hasCert && hasKey) {
    const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
    return { key, cert, generated: false };
  }
  if (hasCert || hasKey) {
    const missing = hasCert ? keyFile : certFile;
    throw new GatewayError(
      'E_TLS',
      `TLS ${hasCert ? 'key' : 'certificate'} file ${missing} is missing (both smtp.certFile and smtp.keyFile ` +
        `must exist, or neither)`,
    );
  }
  const { key, cert } = await selfSigned(hostname);
  await writePem(keyFile, key, 0o600);
  await writePem(certFile, cert, 0o644);
  logger.warn(
    { certFile: resolve(certFile), keyFile: resolve(keyFile), hostname },
    'no TLS certificate configured: generated a self-signed certificate; clients that verify certificates will ' +
      'refuse it',
  );
  return { key, cert, generated: true };
}

/**
 * ECDSA P-256: every TLS 1.2+ client accepts it, and its handshake signature costs a small
 * fraction of an RSA-2048 one, which matters when legacy software opens a connection per
 * invoice. Operators who need RSA for an old client put their own certificate in certs/.
 * (package.json overrides @peculiar/asn1-schema to one version: with two copies installed,
 * selfsigned's EC path fails with "Cannot get schema for 'AlgorithmIdentifier'".)
 */
async function selfSigned(hostname: string): Promise<{ key: Buffer; cert: Buffer }> {
  const dnsNames = [...new Set([hostname, 'localhost'])];
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), { type: 7, ip: '127.0.0.1' }],
      },
    ],
  });
  return { key: Buffer.from(pems.private), cert: Buffer.from(pems.cert) };
}

async function writePem(file: string, pem: Buffer, mode: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // 'wx': never overwrite a file another process wrote in the meantime.
  await writeFile(file, pem, { mode, flag: 'wx' });
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateTls } from '../../../src/receive/smtp/tls-material.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-tls-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (s: string) => {
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

describe('loadOrCreateTls', () => {
  it('generates a self-signed certificate when neither file exists, writes both, and warns', async () => {
    const cert = join(dir, 'nested', 'certs', 'server.crt');
    const key = join(dir, 'nested', 'certs', 'server.key');
    const { logger, lines } = capturingLogger();
    const made = await loadOrCreateTls(cert, key, 'mail.example.test', logger);
    expect(made.generated).toBe(true);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    const x509 = new X509Certificate(made.cert);
    expect(x509.subjectAltName).toContain('DNS:mail.example.test');
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.checkPrivateKey(createPrivateKey(made.key))).toBe(true);
    const warning = lines.find((l) => l.level === 40);
    expect(String(warning?.msg)).toMatch(/self-signed certificate/);
    expect(warning?.certFile).toBe(cert);

    const again = await loadOrCreateTls(cert, key, 'mail.example.test', logger);
    expect(again).toEqual({ key: made.key, cert: made.cert, generated: false });
  });

  it('refuses a half configuration with E_TLS naming the missing file', async () => {
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    await writeFile(cert, 'x');
    await expect(loadOrCreateTls(cert, key, 'h', pino({ level: 'silent' }))).rejects.toMatchObject({
      code: 'E_TLS',
      message: expect.stringContaining(key),
    });
    await rm(cert);
    await writeFile(key, 'x');
    await expect(loadOrCreateTls(cert, key, 'h', pino({ level: 'silent' }))).rejects.toMatchObject({
      code: 'E_TLS',
      message: expect.stringContaining(cert),
    });
  });
});

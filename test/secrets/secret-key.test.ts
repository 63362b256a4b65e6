import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayError, isGatewayError } from '../../src/core/gateway-error.js';
import type { Logger } from '../../src/core/logger.js';
import { openSecretBox } from '../../src/secrets/secret-box.js';
import { loadSecretKey, parseEnvKey } from '../../src/secrets/secret-key.js';

const silent = pino({ level: 'silent' });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-secret-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configError(promise: Promise<unknown>): Promise<GatewayError> {
  const err = await promise.then(
    () => new Error('expected E_CONFIG'),
    (e: unknown) => e,
  );
  if (!isGatewayError(err, 'E_CONFIG')) throw err;
  return err;
}

/** A pino logger that keeps its lines, to check what was (not) logged. */
function capture(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger: Logger = pino({ level: 'info' }, stream);
  return { logger, text: () => lines.join('') };
}

describe('key file', () => {
  it('is created at first start with 32 random bytes and mode 0600, then reused', async () => {
    const dataDir = join(dir, 'data'); // does not exist yet
    const log = capture();
    const first = await openSecretBox({ dataDir, logger: log.logger });
    const path = join(dataDir, 'secret.key');
    const info = await stat(path);
    expect(info.mode & 0o777).toBe(0o600);
    const key = await readFile(path);
    expect(key.length).toBe(32);
    expect(await readdir(dataDir)).toEqual(['secret.key']); // no temp file left
    const sealed = first.seal('s3cret', 'ctx');
    const second = await openSecretBox({ dataDir, logger: silent });
    expect(second.keyFingerprint()).toBe(first.keyFingerprint());
    expect(second.open(sealed, 'ctx')).toBe('s3cret');
    expect(log.text()).toContain(first.keyFingerprint());
    expect(log.text()).not.toContain(key.toString('hex'));
    expect(log.text()).not.toContain(key.toString('base64'));
  });

  it('keeps one key when two starts race', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadSecretKey({ dataDir: dir, logger: silent })));
    const onDisk = await readFile(join(dir, 'secret.key'));
    for (const k of keys) expect(k.equals(onDisk)).toBe(true);
    expect(await readdir(dir)).toEqual(['secret.key']);
  });

  it('refuses a key file open to group or other, naming the chmod to run', async () => {
    const path = join(dir, 'secret.key');
    await writeFile(path, randomBytes(32), { mode: 0o600 });
    await chmod(path, 0o644);
    const err = await configError(openSecretBox({ dataDir: dir, logger: silent }));
    expect(err.message).toContain(`chmod 600 ${path}`);
    expect(err.message).toContain('0644');
    await chmod(path, 0o640);
    await configError(openSecretBox({ dataDir: dir, logger: silent }));
    await chmod(path, 0o400);
    expect((await openSecretBox({ dataDir: dir, logger: silent })).keyFingerprint()).toMatch(/^[0-9a-f]{8}$/);
  });

  it('refuses a key file of the wrong size', async () => {
    await writeFile(join(dir, 'secret.key'), randomBytes(31), { mode: 0o600 });
    expect((await configError(openSecretBox({ dataDir: dir, logger: silent }))).message).toContain('31');
  });
});

describe('POSTBODE_SECRET_KEY', () => {
  const bytes = randomBytes(32);

  it('accepts 64 hex digits, base64 and base64url, and then needs no key file', async () => {
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      bytes.toString('base64'),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      expect(parseEnvKey(text).equals(bytes)).toBe(true);
    }
    const box = await openSecretBox({ dataDir: dir, envKey: bytes.toString('base64'), logger: silent });
    expect(await readdir(dir)).toEqual([]);
    const sameKey = await openSecretBox({ dataDir: dir, envKey: bytes.toString('hex'), logger: silent });
    expect(sameKey.open(box.seal('x', 'ctx'), 'ctx')).toBe('x');
  });

  it('refuses anything but 32 bytes, never echoing the value', async () => {
    const bad = [
      randomBytes(16).toString('hex'),
      randomBytes(33).toString('base64'),
      'not a key!',
      '',
      `${bytes.toString('hex')}00`,
    ];
    for (const text of bad) {
      const err = await configError(openSecretBox({ dataDir: dir, envKey: text, logger: silent }));
      expect(err.message).toContain('POSTBODE_SECRET_KEY');
      if (text.length > 8) expect(err.message).not.toContain(text.trim());
    }
    expect(await readdir(dir)).toEqual([]); // no key file made as a fallback
  });

  it('wins over a key file, with a warning', async () => {
    await writeFile(join(dir, 'secret.key'), randomBytes(32), { mode: 0o600 });
    const log = capture();
    const box = await openSecretBox({ dataDir: dir, envKey: bytes.toString('hex'), logger: log.logger });
    expect(
      box.open(
        (await openSecretBox({ dataDir: join(dir, 'x'), envKey: bytes.toString('base64'), logger: silent })).seal(
          'v',
          'c',
        ),
        'c',
      ),
    ).toBe('v');
    expect(log.text()).toContain('ignoring the key file');
  });
});

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';

/** AES-256 wants 32 bytes. */
export const SECRET_KEY_BYTES = 32;
export const SECRET_KEY_ENV = 'POSTBODE_SECRET_KEY';
export const SECRET_KEY_FILE = 'secret.key';

export interface SecretKeySource {
  readonly dataDir: string;
  /** POSTBODE_SECRET_KEY: 32 bytes as 64 hex digits or base64 (base64url too). */
  readonly envKey?: string;
  readonly logger: Logger;
}

/**
 * The key that seals secrets at rest. Kept apart from the LMDB databases on purpose: a copy
 * of the database alone (a backup, a stolen volume snapshot) does not open the secrets.
 * From the env var when given, else `<dataDir>/secret.key` (made at first start). Several
 * nodes sharing one database must share one key: give them the env var.
 */
export async function loadSecretKey(source: SecretKeySource): Promise<Buffer> {
  const path = join(source.dataDir, SECRET_KEY_FILE);
  if (source.envKey !== undefined) {
    const key = parseEnvKey(source.envKey);
    if (await exists(path)) source.logger.warn({ path }, `${SECRET_KEY_ENV} is set: ignoring the key file`);
    return key;
  }
  const existing = await readKeyFile(path);
  if (existing) return existing;
  await createKeyFile(source.dataDir, path);
  source.logger.info({ path }, 'secret key file created: back it up, sealed secrets cannot be opened without it');
  const created = await readKeyFile(path);
  if (!created) throw new GatewayError('E_CONFIG', `secret key file ${path} vanished right after it was created`);
  return created;
}

/** Never echoes the value: an almost-right key is still a secret. */
export function parseEnvKey(text: string): Buffer {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) key = Buffer.from(value, 'base64');
  else if (/^[A-Za-z0-9_-]+$/.test(value)) key = Buffer.from(value, 'base64url');
  if (key?.length === SECRET_KEY_BYTES) return key;
  const got = key === undefined ? 'neither hex nor base64' : `${key.length} bytes`;
  throw new GatewayError(
    'E_CONFIG',
    `${SECRET_KEY_ENV} must be ${SECRET_KEY_BYTES} bytes as 64 hex digits or base64 (got ${got}); ` +
      'make one with: openssl rand -base64 32',
  );
}

/**
 * The key in the file, checked for size and for a mode that keeps group and other out; undefined when there is no file.
 */
async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new GatewayError('E_CONFIG', `cannot open secret key file ${path}: ${errorCode(err) ?? String(err)}`, {
      cause: err,
    });
  }
  try {
    // fstat of the handle we read: the mode checked is that of the very file read.
    const info = await handle.stat();
    if (!info.isFile()) throw new GatewayError('E_CONFIG', `secret key file ${path} is not a regular file`);
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new GatewayError(
        'E_CONFIG',
        `secret key file ${path} is open to group or other (mode ${mode}): run  chmod 600 ${path}`,
      );
    }
    const key = await handle.readFile();
    if (key.length !== SECRET_KEY_BYTES) {
      throw new GatewayError(
        'E_CONFIG',
        `secret key file ${path} must hold exactly ${SECRET_KEY_BYTES} bytes (it holds ${key.length})`,
      );
    }
    return key;
  } finally {
    await handle.close();
  }
}

/**
 * Writes 32 random bytes to a temporary file (0600), syncs it, then links it into place:
 * link() never overwrites, so a second node or process starting at the same moment keeps
 * the first key, and a crash leaves either no key file or a whole one.
 */
async function createKeyFile(dataDir: string, path: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(randomBytes(SECRET_KEY_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST')
      throw new GatewayError('E_CONFIG', `cannot create secret key file ${path}: ${String(err)}`, { cause: err });
  } finally {
    await unlink(temp);
  }
  await syncDirectory(dataDir);
}

/** So that the new directory entry survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

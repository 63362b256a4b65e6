import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { GatewayError } from '../core/gateway-error.js';
import { readEnvOverrides, type EnvOverride } from './env-overrides.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'config/postbode.yaml';

export interface LoadConfigOptions {
  /** Explicit config file (CLI --config); wins over POSTBODE_CONFIG. */
  readonly file?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Base for relative paths; process.cwd() when left out. */
  readonly cwd?: string;
}

/**
 * Reads the YAML file (explicit, POSTBODE_CONFIG, or config/postbode.yaml when present),
 * applies POSTBODE_* overrides, validates, and returns a deep-frozen Config. Every problem
 * is reported at once, each line naming the key and where its value came from.
 */
export function loadConfig(opts: LoadConfigOptions): Config {
  const cwd = opts.cwd ?? process.cwd();
  const file = pickFile(opts, cwd);
  const fromFile = file ? readYaml(file) : {};
  const { overrides, unknown } = readEnvOverrides(opts.env, configSchema);
  const merged = applyOverrides(fromFile, overrides);
  const result = configSchema.safeParse(merged);
  const problems = [...unknown, ...(result.success ? [] : describeIssues(result.error.issues, overrides, file))];
  if (problems.length > 0 || !result.success) {
    throw new GatewayError(
      'E_CONFIG',
      `invalid configuration (${file ? `file ${file}` : 'no config file'}):\n${problems.join('\n')}`,
    );
  }
  return deepFreeze(resolvePaths(result.data, cwd));
}

/** The file to read, absolute; undefined when only the default was tried and it is absent. */
function pickFile(opts: LoadConfigOptions, cwd: string): string | undefined {
  const chosen = opts.file ?? opts.env.POSTBODE_CONFIG;
  if (chosen !== undefined && chosen !== '') {
    const path = resolve(cwd, chosen);
    if (!existsSync(path)) throw new GatewayError('E_CONFIG', `config file not found: ${path}`);
    return path;
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GatewayError('E_CONFIG', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new GatewayError(
      'E_CONFIG',
      `config file ${file} is not valid YAML: ${doc.errors.map((e) => e.message).join('; ')}`,
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value))
    throw new GatewayError('E_CONFIG', `config file ${file} must hold a mapping of keys at the top`);
  return value;
}

/** Sets each override into a copy of the file's values (env wins). */
function applyOverrides(base: Record<string, unknown>, overrides: readonly EnvOverride[]): Record<string, unknown> {
  const root = structuredClone(base);
  for (const { path, value } of overrides) {
    let node = root;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node[key] = isPlainObject(next) ? next : {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return root;
}

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  overrides: readonly EnvOverride[],
  file: string | undefined,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const paths =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => [...issue.path, k].map(String))
        : [issue.path.map(String)];
    const why = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
    for (const path of paths) {
      lines.push(`config: ${path.join('.') || '(top level)'}: ${why} (from ${sourceOf(path, overrides, file)})`);
    }
  }
  return lines;
}

/** The env var that set this key (or a parent or child of it), else the file, else defaults. */
function sourceOf(path: readonly string[], overrides: readonly EnvOverride[], file: string | undefined): string {
  const related = overrides.find((o) => isPrefix(o.path, path) || isPrefix(path, o.path));
  return related?.name ?? file ?? 'defaults';
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

/** File paths in the config are relative to the working directory. */
function resolvePaths(config: Config, cwd: string): Config {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  const smarthost = config.delivery.smarthost;
  return {
    ...config,
    dataDir: abs(config.dataDir),
    smtp: { ...config.smtp, certFile: abs(config.smtp.certFile), keyFile: abs(config.smtp.keyFile) },
    delivery:
      smarthost?.caFile === undefined
        ? config.delivery
        : { ...config.delivery, smarthost: { ...smarthost, caFile: abs(smarthost.caFile) } },
  };
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

import { z } from 'zod';

/** Env names under POSTBODE_ that are not config keys: read by other parts, never rejected. */
export const RESERVED_ENV = new Set([
  'POSTBODE_CONFIG',
  'POSTBODE_ADMIN_TOKEN',
  'POSTBODE_SECRET_KEY',
  // Set by the primary for each worker process it starts (src/cluster/worker-link.ts).
  'POSTBODE_WORKER_INDEX',
  'POSTBODE_WORKER_COUNT',
]);

const PREFIX = 'POSTBODE_';

export interface EnvOverride {
  /** The env var name, e.g. POSTBODE_SMTP__PORT. */
  readonly name: string;
  /** The config path it sets, e.g. ['smtp', 'port']. */
  readonly path: readonly string[];
  readonly value: unknown;
}

export interface EnvOverrides {
  readonly overrides: readonly EnvOverride[];
  /** One line per POSTBODE_ variable that names no config key. */
  readonly unknown: readonly string[];
}

/**
 * Reads `POSTBODE_<PATH>` variables: path segments joined by `__`, camelCase keys written
 * UPPER_SNAKE (`POSTBODE_SMTP__MAX_MESSAGE_SIZE` sets smtp.maxMessageSize). The schema is
 * walked so that a typo fails the start instead of being ignored.
 */
export function readEnvOverrides(env: NodeJS.ProcessEnv, schema: z.ZodType): EnvOverrides {
  const overrides: EnvOverride[] = [];
  const unknown: string[] = [];
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(PREFIX) || RESERVED_ENV.has(name) || raw === undefined) continue;
    const path = name.slice(PREFIX.length).split('__').map(snakeToCamel);
    const leaf = schemaAt(schema, path);
    if (!leaf) {
      unknown.push(`config: ${path.join('.')}: no such setting (from ${name})`);
      continue;
    }
    overrides.push({ name, path, value: parseEnvValue(raw, leaf) });
  }
  return { overrides, unknown };
}

/** `MAX_MESSAGE_SIZE` → `maxMessageSize`. */
export function snakeToCamel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * JSON when it parses (numbers, booleans, arrays, null), else the raw string. A key that
 * only takes text keeps the raw string, so a password of digits stays a string.
 */
function parseEnvValue(raw: string, leaf: z.ZodType): unknown {
  if (acceptsOnlyText(leaf)) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function acceptsOnlyText(schema: z.ZodType): boolean {
  const inner = unwrap(schema);
  return inner instanceof z.ZodString || inner instanceof z.ZodEnum;
}

/** The schema of the key at `path`, or undefined when the path names no key. */
function schemaAt(schema: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  let current: z.ZodType = schema;
  for (const key of path) {
    const inner = unwrap(current);
    if (!(inner instanceof z.ZodObject) || !Object.hasOwn(inner.shape, key)) return undefined;
    current = inner.shape[key] as z.ZodType;
  }
  return current;
}

/** Looks through default/prefault/optional/nullable wrappers to the schema that checks. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else {
      break;
    }
  }
  return current;
}

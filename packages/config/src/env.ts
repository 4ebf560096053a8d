// Environment overrides. Scheme: OPENLINE_ + the key path in upper snake case, with `__` between
// levels: secrets.turnStaticAuthSecret <- OPENLINE_SECRETS__TURN_STATIC_AUTH_SECRET,
// dataDir <- OPENLINE_DATA_DIR. Short aliases exist for the common ones (OPENLINE_PORT_BASE).
// OPENLINE_CONFIG names the config file and is not a key.
import { z } from 'zod';
import { ConfigError } from './errors';
import { configSchema } from './schema';

export const ENV_PREFIX = 'OPENLINE_';
export const CONFIG_FILE_ENV = 'OPENLINE_CONFIG';

export const ENV_ALIASES: Readonly<Record<string, string>> = {
  OPENLINE_PORT_BASE: 'ports.base',
  OPENLINE_LOG_LEVEL: 'log.level',
};

/** Environment variables read for other purposes than config keys (not errors when unknown). */
const NOT_KEYS = new Set([CONFIG_FILE_ENV]);

type Leaf = 'number' | 'boolean' | 'string';

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
  let cur = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodEffects) {
    cur = cur instanceof z.ZodEffects ? cur.innerType() : cur._def.innerType;
  }
  return cur;
}

/** The kind of value at a key path, or undefined when the schema has no such key. */
function leafKind(path: string[]): Leaf | undefined {
  let cur: z.ZodTypeAny = configSchema;
  for (const seg of path) {
    const obj = unwrap(cur);
    if (!(obj instanceof z.ZodObject)) return undefined;
    const shape = obj.shape as Record<string, z.ZodTypeAny>;
    if (!Object.prototype.hasOwnProperty.call(shape, seg)) return undefined;
    cur = shape[seg];
  }
  const leaf = unwrap(cur);
  if (leaf instanceof z.ZodObject) return undefined;
  if (leaf instanceof z.ZodNumber) return 'number';
  if (leaf instanceof z.ZodBoolean) return 'boolean';
  return 'string';
}

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Key path for an OPENLINE_ variable name. */
export function envNameToPath(name: string): string[] {
  const alias = ENV_ALIASES[name];
  if (alias) return alias.split('.');
  return name.slice(ENV_PREFIX.length).split('__').map(camel);
}

function convert(kind: Leaf, raw: string): unknown {
  // A value that does not convert is passed through as a string so that the schema names the key.
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  if (kind === 'boolean') {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return raw;
  }
  return raw;
}

export interface EnvOverrides {
  values: Record<string, unknown>;
  /** key path ("ports.base") -> the variable it came from, for error messages. */
  sources: Map<string, string>;
}

export function readEnv(env: NodeJS.ProcessEnv): EnvOverrides {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || NOT_KEYS.has(name)) continue;
    const raw = env[name];
    if (raw === undefined) continue;
    const path = envNameToPath(name);
    const kind = leafKind(path);
    if (!kind) throw new ConfigError(`unknown environment variable ${name} (no config key ${path.join('.')})`);
    setPath(values, path, convert(kind, raw));
    sources.set(path.join('.'), name);
  }
  return { values, sources };
}

export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

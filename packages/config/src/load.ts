// Loads the configuration once: defaults < config file < environment < explicit overrides, then
// validates the result. Any problem is a ConfigError whose message names the key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CONFIG_FILE_ENV, readEnv } from './env';
import { ConfigError } from './errors';
import { Config, ConfigInput, configSchema } from './schema';

export interface LoadOptions {
  /** Repository root, for relative paths (config file, dataDir). Default: found from this file. */
  rootDir?: string;
  /**
   * Config file. undefined: $OPENLINE_CONFIG if set (empty = none), else config/openline.yaml when
   * it exists, else defaults only. null: no file.
   */
  configFile?: string | null;
  /** Environment to read OPENLINE_* overrides from. Default process.env; pass {} to ignore it. */
  env?: NodeJS.ProcessEnv;
  /** Highest-precedence values (tests, CLI flags). */
  overrides?: ConfigInput;
}

export interface LoadedConfig {
  config: Config;
  /** The config file that was read, if any. */
  file: string | undefined;
  rootDir: string;
}

/** The repository root: the nearest ancestor whose package.json declares workspaces. */
export function findRootDir(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        const json = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
        if (json.workspaces) return dir;
      } catch { /* not ours, keep walking */ }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function chooseFile(opts: LoadOptions, rootDir: string, env: NodeJS.ProcessEnv): string | undefined {
  if (opts.configFile === null) return undefined;
  if (opts.configFile !== undefined) return path.resolve(rootDir, opts.configFile);
  const fromEnv = env[CONFIG_FILE_ENV];
  if (fromEnv !== undefined) return fromEnv === '' ? undefined : path.resolve(rootDir, fromEnv);
  const dflt = path.join(rootDir, 'config', 'openline.yaml');
  return fs.existsSync(dflt) ? dflt : undefined;
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new ConfigError(`${file}: invalid YAML${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: must be a YAML mapping`);
  return doc as Record<string, unknown>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k])
      ? deepMerge(out[k] as Record<string, unknown>, v)
      : v;
  }
  return out;
}

/** One line per problem, the first one thrown: "config: ports.base must be an integer 1024..60000". */
export function formatIssue(issue: z.ZodIssue, sources: Map<string, string>): string {
  const key = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => (key ? `${key}.${k}` : k));
    return `config: unknown key${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
  }
  let from: string | undefined;
  for (let n = issue.path.length; n > 0 && !from; n--) from = sources.get(issue.path.slice(0, n).join('.'));
  return `config: ${key || '(root)'} ${issue.message}${from ? ` (from ${from})` : ''}`;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const rootDir = opts.rootDir ?? findRootDir();
  const env = opts.env ?? process.env;
  const file = chooseFile(opts, rootDir, env);
  const fromFile = file ? readFile(file) : {};
  const fromEnv = readEnv(env);
  const sources = new Map(fromEnv.sources);
  if (file) {
    for (const k of Object.keys(fromFile)) if (!sources.has(k)) sources.set(k, path.relative(rootDir, file) || file);
  }
  const merged = deepMerge(deepMerge(fromFile, fromEnv.values), (opts.overrides ?? {}) as Record<string, unknown>);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssue(parsed.error.issues[0], sources));
  const config = parsed.data;
  config.dataDir = path.resolve(rootDir, config.dataDir);
  return { config, file, rootDir };
}

// Secrets come from the config file or the environment, never from code. In a dev run
// (secrets.generate: true) the missing ones are generated once into <dataDir>/secrets.json
// (mode 0600) and reused by every later run and by the CLI.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { Config, SECRET_NAMES, SecretName } from './schema';

export type Secrets = Readonly<Record<SecretName, string>>;

export const SECRETS_FILE = 'secrets.json';

function envNameOf(name: SecretName): string {
  return `OPENLINE_SECRETS__${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function generate(name: SecretName): string {
  // The AES key is raw key material (hex); the others are opaque strings.
  return name === 'sipPasswordKey' ? randomBytes(32).toString('hex') : randomBytes(24).toString('base64url');
}

function readStored(file: string): Partial<Record<SecretName, string>> {
  if (!fs.existsSync(file)) return {};
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const out: Partial<Record<SecretName, string>> = {};
    for (const n of SECRET_NAMES) if (typeof json[n] === 'string') out[n] = json[n] as string;
    return out;
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`);
  }
}

/** The secrets file path for a config: <dataDir>/secrets.json. */
export function secretsFile(config: Config): string {
  return path.join(config.dataDir, SECRETS_FILE);
}

/**
 * Every secret, from config/env first, then from the secrets file. With generate=false (the CLI)
 * nothing is written; a missing secret is an error that says how to provide it.
 */
export function resolveSecrets(config: Config, opts: { write?: boolean } = {}): Secrets {
  const write = opts.write ?? config.secrets.generate;
  const file = secretsFile(config);
  const stored = readStored(file);
  const out: Partial<Record<SecretName, string>> = {};
  let changed = false;
  for (const name of SECRET_NAMES) {
    const configured = config.secrets[name];
    if (configured) { out[name] = configured; continue; }
    if (stored[name]) { out[name] = stored[name]; continue; }
    if (!config.secrets.generate || !write) {
      throw new ConfigError(`secrets.${name} is not set; set it in the config file or ${envNameOf(name)}`
        + (config.secrets.generate ? `, or start the stack once to generate ${file}` : ''));
    }
    out[name] = generate(name);
    stored[name] = out[name];
    changed = true;
  }
  if (changed) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
  } else if (fs.existsSync(file)) {
    // Keep the file private even if someone loosened it.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  }
  return out as Secrets;
}

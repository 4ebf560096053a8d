// Shared helpers for the CLI specs: parse without touching /etc, and unwrap outcomes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigFileAccess, Env, ParseOutcome, SipdOptions } from '../../src/cli';
import { parseSipdOptions } from '../../src/cli';

export const FIXTURE = join(__dirname, 'fixtures', 'drachtio.conf.xml');

/** Files from a map (path → XML); the default config file is absent unless given. */
export function files(map: Record<string, string> = {}, defaultFile = '/etc/drachtio.conf.xml'): ConfigFileAccess {
  return {
    defaultFile,
    exists: (p) => p in map,
    read: (p) => {
      const xml = map[p];
      if (xml === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
      return xml;
    },
  };
}

export function fixtureXml(): string {
  return readFileSync(FIXTURE, 'utf8');
}

export function parse(argv: string[], env: Env = {}, access: ConfigFileAccess = files()): ParseOutcome {
  return parseSipdOptions(argv, env, access);
}

export function run(argv: string[], env: Env = {}, access: ConfigFileAccess = files()): { options: SipdOptions; warnings: string[] } {
  const out = parse(argv, env, access);
  if (out.kind !== 'run') assert.fail(`expected options, got ${JSON.stringify(out)}`);
  return { options: out.options, warnings: out.warnings };
}

export function options(argv: string[], env: Env = {}, access: ConfigFileAccess = files()): SipdOptions {
  return run(argv, env, access).options;
}

/** Asserts a usage error: exit code 2 and a single-line message matching `pattern`. */
export function usageError(argv: string[], pattern: RegExp, env: Env = {}, access: ConfigFileAccess = files()): string {
  const out = parse(argv, env, access);
  if (out.kind !== 'error') assert.fail(`expected an error, got ${JSON.stringify(out)}`);
  assert.equal(out.exitCode, 2);
  assert.match(out.message, pattern);
  assert.ok(!out.message.includes('\n'), 'error is one line');
  return out.message;
}

/** Minimal valid config around a <sip> body. */
export function conf(sip = '', extra = ''): string {
  return `<drachtio><admin port="9022" secret="cymru">127.0.0.1</admin><sip>${sip}</sip>${extra}</drachtio>`;
}

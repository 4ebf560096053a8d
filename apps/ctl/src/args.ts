// Flag parsing on node:util parseArgs, strict: an unknown flag or a missing value is a usage error.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { usage } from './errors';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export function parse(args: string[], options: Options, positionals: number): { values: Values; positionals: string[] } {
  let res;
  try {
    res = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (res.positionals.length !== positionals) {
    throw usage(positionals === 0 ? `unexpected argument '${res.positionals[0]}'`
      : `expected ${positionals} argument${positionals > 1 ? 's' : ''}, got ${res.positionals.length}`);
  }
  return { values: res.values as Values, positionals: res.positionals };
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/** A flag whose empty value means "clear it" (null). */
export function nullable(v: Values, name: string): string | null | undefined {
  const x = str(v, name);
  return x === undefined ? undefined : x === '' ? null : x;
}

export function int(v: Values, name: string): number | undefined {
  const x = str(v, name);
  if (x === undefined) return undefined;
  if (!/^-?\d+$/.test(x)) throw usage(`--${name} must be an integer, got '${x}'`);
  return Number(x);
}

export function list(v: Values, name: string): string[] | undefined {
  const x = str(v, name);
  return x === undefined ? undefined : x.split(',').map((s) => s.trim()).filter(Boolean);
}

export function bool(v: Values, name: string): boolean | undefined {
  const x = v[name];
  return typeof x === 'boolean' ? x : undefined;
}

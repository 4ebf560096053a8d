// CLI failures: a one-line message and an exit code. 2 = bad usage or input, 1 = refused by the
// data (duplicate, unknown, in use), 3 = cannot reach the database or bad config.
import { ConfigError } from '@openline/config';
import { DataError } from '@openline/db';

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'CliError';
  }
}

export const usage = (msg: string): CliError => new CliError(msg, 2);

export function exitCodeOf(err: unknown): { message: string; code: number } {
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  if (err instanceof ConfigError) return { message: err.message, code: 3 };
  if (err instanceof DataError) return { message: err.message, code: err.kind === 'invalid' ? 2 : 1 };
  return { message: (err as Error).message ?? String(err), code: 1 };
}

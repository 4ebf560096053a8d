// sipd's command line: drachtio-server's options → a validated SipdOptions.
import type { Env } from './env';
import type { ConfigFileAccess } from './parse';
import { parseSipdOptions } from './parse';
import type { SipdOptions } from './options';

export * from './options';
export type { Env } from './env';
export type { ConfigFileAccess, ParseOutcome } from './parse';
export { DEFAULT_CONFIG_FILE, DEFAULTS, PINO_LEVEL, parseSipdOptions } from './parse';
export { parseDrachtioConfig } from './config-file';
export { parseContact } from './contact';
export { helpText } from './option-table';
export { sipdVersion } from './version';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  exit: (code: number) => never;
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  exit: (code) => process.exit(code),
};

/**
 * For main(): parses, prints help/version (exit 0) or a one-line error (exit 2), prints the
 * warnings to stderr and returns the options. Warnings go to stderr rather than the logger
 * because they are about how the logger itself may be configured.
 */
export function sipdOptionsOrExit(
  argv: readonly string[] = process.argv.slice(2),
  env: Env = process.env,
  io: CliIo = processIo,
  files?: ConfigFileAccess,
): SipdOptions {
  const outcome = parseSipdOptions(argv, env, files);
  switch (outcome.kind) {
    case 'help':
      io.stdout(outcome.text);
      return io.exit(0);
    case 'version':
      io.stdout(`${outcome.text}\n`);
      return io.exit(0);
    case 'error':
      io.stderr(`sipd: ${outcome.message}\n`);
      return io.exit(outcome.exitCode);
    case 'run':
      for (const w of outcome.warnings) io.stderr(`sipd: warning: ${w}\n`);
      return outcome.options;
  }
}

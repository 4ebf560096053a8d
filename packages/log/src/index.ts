// Structured logging (pino): one root logger per process, a child per component, and child
// loggers carrying a Call-ID where a call is involved. Secrets are redacted by path.
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const REDACT_PATHS = [
  'secret', '*.secret', 'password', '*.password', 'authorization', '*.authorization',
  'headers.authorization', 'headers["proxy-authorization"]', 'token', '*.token',
];

export interface LoggerOptions {
  component: string;
  level?: LogLevel;
  /** A file descriptor or path to write to instead of stdout. */
  destination?: number | string;
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const dest = opts.destination === undefined
    ? pino.destination({ fd: 1, sync: false })
    : typeof opts.destination === 'number'
      ? pino.destination({ fd: opts.destination, sync: false })
      : pino.destination({ dest: opts.destination, mkdir: true, sync: false });
  return pino(
    {
      level,
      base: { component: opts.component, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

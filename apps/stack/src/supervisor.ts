// The stack supervisor: starts the infrastructure and the project's services in dependency order,
// waits for each to be really ready, and stops everything in reverse order. Used by the CLI
// (`run`) and, as a library, by the tests (startStack with a private data dir and port base).
import * as fs from 'node:fs';
import { Config, ConfigInput, loadConfig, Ports, portsFromBase, resolveSecrets, Secrets } from '@openline/config';
import { createDbPool, dbOptionsFrom, Pool } from '@openline/db';
import { createLogger, Logger, silentLogger } from '@openline/log';
import * as path from 'node:path';
import { StackError } from './errors';
import { INFRASTRUCTURE } from './infra';
import { isOurProcess, Manifest, readManifest, removeManifest, writeManifest } from './manifest';
import { ensureDirs, stackPaths, StackPaths } from './paths';
import { orderServices, preflight } from './preflight';
import { ServiceProcess } from './process';
import { PROJECT_SERVICES } from './registry';
import { ServiceDefinition, ServiceFactory, StackContext } from './service';

export interface StartOptions {
  /** Overrides config.dataDir. */
  dataDir?: string;
  /** Overrides config.ports.base. */
  portBase?: number;
  /** Project services to start after the infrastructure. Default: PROJECT_SERVICES. */
  services?: readonly ServiceFactory[];
  /** Start MariaDB, Redis, rtpengine and coturn first. Default true; false runs only `services`. */
  infrastructure?: boolean;
  /** Config file: undefined = none (library default); the CLI passes its own choice. */
  configFile?: string | null;
  /** Environment for OPENLINE_* overrides. Default {} (library), process.env for the CLI. */
  env?: NodeJS.ProcessEnv;
  /** Further config overrides (highest precedence). */
  overrides?: ConfigInput;
  /** Echo each service's output to the console, prefixed. Default false. */
  console?: boolean;
  /** Repository root (templates, migrations, bin/). Default: found from this file. */
  rootDir?: string;
  /** Supervisor log; default a pino logger to <logDir>/stack.log. */
  logger?: Logger;
  /** Aborts a start in progress (Ctrl-C during start): what was started is stopped. */
  signal?: AbortSignal;
}

export interface StackHandle {
  readonly ports: Ports;
  readonly config: Config;
  readonly secrets: Secrets;
  readonly paths: StackPaths;
  readonly rootDir: string;
  /** "SIP ...", "TURN ..." lines for humans. */
  readonly endpoints: readonly string[];
  /** Pid of each running service, by name. */
  pids(): Record<string, number>;
  /** A pool on the application database (created on first call, closed by stop()). */
  dbPool(): Pool;
  /** Stops every service in reverse start order (SIGTERM, then SIGKILL after the timeout). Idempotent. */
  stop(): Promise<void>;
  /** Resolves when a service exits without being asked to (the run is then broken). */
  readonly unexpectedExit: Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>;
}

interface Running { def: ServiceDefinition; proc: ServiceProcess; bin: string }

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StackError('start interrupted; everything started was stopped');
}

async function waitReady(r: Running, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = 'no answer';
  for (;;) {
    checkAborted(signal);
    if (!r.proc.running) {
      const e = r.proc.exit;
      const tail = r.proc.tail(1)[0];
      throw new StackError(`${r.def.name} exited (code ${e?.code ?? '-'}${e?.signal ? `, ${e.signal}` : ''}) before it was ready`
        + `${tail ? `: "${tail.slice(0, 200)}"` : ''}; see ${r.proc.logFile}`);
    }
    try {
      await r.def.ready.check();
      return;
    } catch (err) {
      lastErr = (err as Error).message || String(err);
    }
    if (Date.now() >= deadline) {
      throw new StackError(`${r.def.name} did not become ready within ${Math.round(timeoutMs / 1000)}s `
        + `(${r.def.ready.describe}: ${lastErr}); see ${r.proc.logFile}`);
    }
    await sleep(150);
  }
}

/** Refuse to start over a live run of the same data dir. */
function checkNotRunning(paths: StackPaths): void {
  const m = readManifest(paths.runDir);
  if (!m) return;
  const alive = [
    ...(isOurProcess(m.supervisorPid, process.execPath) && m.supervisorPid !== process.pid ? [`supervisor ${m.supervisorPid}`] : []),
    ...m.services.filter((s) => isOurProcess(s.pid, s.command)).map((s) => `${s.name} ${s.pid}`),
  ];
  if (alive.length) {
    throw new StackError(`a stack is already running with data dir ${paths.dataDir} (${alive.join(', ')}); run \`make stop\` first`);
  }
  removeManifest(paths.runDir);
}

export async function startStack(opts: StartOptions = {}): Promise<StackHandle> {
  const overrides: ConfigInput = { ...(opts.overrides ?? {}) };
  if (opts.dataDir !== undefined) overrides.dataDir = opts.dataDir;
  if (opts.portBase !== undefined) overrides.ports = { ...(overrides.ports ?? {}), base: opts.portBase };
  const { config, rootDir } = loadConfig({
    rootDir: opts.rootDir, configFile: opts.configFile === undefined ? null : opts.configFile, env: opts.env ?? {}, overrides,
  });
  const paths = stackPaths(config.dataDir);
  ensureDirs(paths);
  const secrets = resolveSecrets(config);
  const ports = portsFromBase(config.ports.base);
  const ctx: StackContext = { rootDir, config, secrets, ports, paths };

  checkNotRunning(paths);
  // An fd opened here (not a path) so the logger is writable at once, even if we exit right away.
  const logFd = opts.logger || config.log.level === 'silent' ? undefined : fs.openSync(path.join(paths.logDir, 'stack.log'), 'a');
  const log = opts.logger ?? (logFd === undefined ? silentLogger()
    : createLogger({ component: 'stack', level: config.log.level, destination: logFd }));
  const infra = opts.infrastructure === false ? [] : INFRASTRUCTURE;
  const defs = orderServices([...infra, ...(opts.services ?? PROJECT_SERVICES)].map((f) => f(ctx)));
  const binaries = await preflight(defs, 'ports.base in config/openline.yaml or OPENLINE_PORT_BASE');

  const running: Running[] = [];
  const manifest: Manifest = {
    supervisorPid: process.pid, state: 'starting', dataDir: paths.dataDir, ports, services: [], endpoints: [],
  };
  writeManifest(paths.runDir, manifest);
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let onUnexpected: (v: { name: string; code: number | null; signal: NodeJS.Signals | null }) => void = () => undefined;
  const unexpectedExit = new Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>((r) => { onUnexpected = r; });
  let pool: Pool | undefined;
  const width = Math.max(...defs.map((d) => d.name.length));

  // Last resort if the owning process exits without stop() (a test run aborted): the children
  // live in their own process groups and would otherwise outlive it.
  const killOnExit = (): void => {
    for (const r of running) if (r.proc.running) { try { process.kill(r.proc.pid, 'SIGKILL'); } catch { /* gone */ } }
  };
  process.once('exit', killOnExit);

  const stopAll = (): Promise<void> => {
    if (stopped) return stopped;
    stopping = true;
    process.off('exit', killOnExit);
    stopped = (async () => {
      manifest.state = 'stopping';
      writeManifest(paths.runDir, manifest);
      if (pool) await pool.end().catch(() => undefined);
      for (const r of [...running].reverse()) {
        const timeout = r.def.stopTimeoutMs ?? config.stack.stopTimeoutSeconds * 1000;
        const info = await r.proc.stop(timeout);
        log.info({ service: r.def.name, pid: r.proc.pid, ...info }, 'stopped');
      }
      removeManifest(paths.runDir);
      // Pid files some daemons write themselves (coturn does not remove its own).
      for (const f of fs.readdirSync(paths.runDir)) if (f.endsWith('.daemon.pid')) fs.rmSync(path.join(paths.runDir, f), { force: true });
      log.info('stack stopped');
      await new Promise<void>((r) => log.flush(() => r()));
    })();
    return stopped;
  };

  try {
    for (const def of defs) {
      checkAborted(opts.signal);
      log.info({ service: def.name }, 'starting');
      await def.prepare?.();
      const echo = opts.console ? (line: string) => process.stdout.write(`[${def.name.padEnd(width)}] ${line}\n`) : undefined;
      const bin = binaries.get(def.name) ?? def.command;
      const proc = new ServiceProcess({ name: def.name, command: bin, args: def.args, env: def.env, cwd: def.cwd }, paths, echo);
      const r: Running = { def, proc, bin };
      running.push(r);
      manifest.services.push({ name: def.name, pid: proc.pid, command: bin });
      writeManifest(paths.runDir, manifest);
      void proc.exited.then((info) => {
        if (!stopping) {
          log.error({ service: def.name, ...info }, 'exited unexpectedly');
          onUnexpected({ name: def.name, ...info });
        }
      });
      const started = Date.now();
      await waitReady(r, def.startTimeoutMs ?? config.stack.startTimeoutSeconds * 1000, opts.signal);
      await def.afterReady?.();
      log.info({ service: def.name, pid: proc.pid, ms: Date.now() - started }, 'ready');
    }
  } catch (err) {
    log.error({ err: (err as Error).message }, 'start failed');
    await stopAll();
    if (err instanceof StackError) throw err;
    throw new StackError((err as Error).message.split('\n')[0]);
  }

  const endpoints = defs.flatMap((d) => d.endpoints ?? []);
  manifest.state = 'ready';
  manifest.endpoints = endpoints;
  writeManifest(paths.runDir, manifest);
  log.info({ ports }, 'stack ready');

  return {
    ports, config, secrets, paths, rootDir, endpoints, unexpectedExit,
    pids: () => Object.fromEntries(running.filter((r) => r.proc.running).map((r) => [r.def.name, r.proc.pid])),
    dbPool: () => {
      if (stopping) throw new StackError('the stack is stopped');
      pool ??= createDbPool(dbOptionsFrom(config, secrets));
      return pool;
    },
    stop: stopAll,
  };
}

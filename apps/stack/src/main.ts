// `node apps/stack/dist/src/main.js run|stop|status`: the stack supervisor's command line.
//   run [--detach] [--config FILE]   start everything, print the endpoints, stay up until Ctrl-C
//   stop [--config FILE]             stop a run (foreground, detached or orphaned) by its pid files
//   status [--config FILE] [--json]  what runs, with pids
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, LoadedConfig, portsFromBase, PORT_SPAN } from '@openline/config';
import { runStatus, stopRun } from './control';
import { StackError } from './errors';
import { readManifest } from './manifest';
import { stackPaths } from './paths';
import { startStack, StackHandle } from './supervisor';

const USAGE = 'usage: stack run [--detach] [--config FILE] | stop [--config FILE] | status [--config FILE] [--json]';

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function printReady(loaded: LoadedConfig, endpoints: readonly string[]): void {
  const { config } = loaded;
  const base = config.ports.base;
  const relative = path.relative(process.cwd(), config.dataDir);
  const rel = relative && !relative.startsWith('..') ? relative : config.dataDir;
  process.stdout.write(`\nopenline stack is up (ports ${base}-${base + PORT_SPAN - 1}, data in ${rel}/)\n`);
  for (const e of endpoints) process.stdout.write(`  ${e}\n`);
  process.stdout.write(`Logs: ${rel}/log/<service>.log   Secrets: ${rel}/secrets.json\n`);
}

async function runForeground(loaded: LoadedConfig): Promise<void> {
  const abort = new AbortController();
  let handle: StackHandle | undefined;
  let exiting = false;
  const shutdown = (why: string, code: number): void => {
    if (exiting) { process.stdout.write('[stack] still stopping...\n'); return; }
    exiting = true;
    process.stdout.write(`[stack] ${why}: stopping\n`);
    abort.abort();
    if (!handle) return; // startStack stops what it started, then rejects
    void handle.stop().then(() => { process.stdout.write('[stack] stopped\n'); process.exit(code); });
  };
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGHUP', () => shutdown('SIGHUP', 0));
  try {
    handle = await startStack({
      configFile: loaded.file ?? null, env: process.env, rootDir: loaded.rootDir,
      console: loaded.config.log.console, signal: abort.signal,
    });
  } catch (err) {
    fail(err instanceof StackError || err instanceof ConfigError ? err.message : `stack: ${(err as Error).stack ?? String(err)}`,
      exiting ? 0 : 1);
  }
  if (exiting) { await handle.stop(); process.exit(0); }
  printReady(loaded, handle.endpoints);
  process.stdout.write('Press Ctrl-C to stop.\n');
  const dead = await handle.unexpectedExit;
  if (!exiting) {
    process.stderr.write(`stack: ${dead.name} exited unexpectedly (code ${dead.code ?? '-'}${dead.signal ? `, ${dead.signal}` : ''}); `
      + `see ${path.join(handle.paths.logDir, `${dead.name}.log`)}\n`);
    shutdown(`${dead.name} died`, 1);
  }
}

async function runDetached(loaded: LoadedConfig, argv: string[]): Promise<void> {
  const { logDir, runDir } = stackPaths(loaded.config.dataDir);
  fs.mkdirSync(logDir, { recursive: true });
  const outFile = path.join(logDir, 'stack.out');
  const out = fs.openSync(outFile, 'a');
  const child = spawn(process.execPath, [__filename, 'run', ...argv.filter((a) => a !== '--detach')], {
    detached: true, stdio: ['ignore', out, out], env: { ...process.env, OPENLINE_LOG__CONSOLE: 'false' },
  });
  fs.closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => { exited = code; });
  child.unref();
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    if (exited !== undefined) {
      const tail = fs.readFileSync(outFile, 'utf8').trim().split('\n').slice(-1)[0] ?? '';
      fail(tail.startsWith('stack:') || tail.startsWith('config:') ? tail : `stack: the detached run exited (code ${exited}); see ${outFile}`);
    }
    const m = readManifest(runDir);
    if (m && m.supervisorPid === child.pid && m.state === 'ready') {
      printReady(loaded, m.endpoints);
      process.stdout.write(`Running detached (supervisor pid ${child.pid}); stop it with \`make stop\`.\n`);
      process.exit(0);
    }
  }
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest, strict: true, allowPositionals: false,
      options: { detach: { type: 'boolean' }, config: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (err) {
    fail(`stack: ${(err as Error).message}\n${USAGE}`, 2);
  }
  const { values } = parsed;
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ configFile: values.config, env: process.env });
    portsFromBase(loaded.config.ports.base);
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : `config: ${(err as Error).message}`);
  }
  const stopTimeoutMs = loaded.config.stack.stopTimeoutSeconds * 1000;
  switch (cmd) {
    case 'run':
      if (values.detach) await runDetached(loaded, rest);
      else await runForeground(loaded);
      return;
    case 'stop': {
      const r = await stopRun(loaded.config.dataDir, stopTimeoutMs);
      if (r.supervisor === undefined && r.stopped.length === 0) process.stdout.write('stack: nothing was running\n');
      else process.stdout.write(`stack: stopped${r.supervisor ? ` supervisor (${r.supervisor})` : ''}${r.stopped.length ? ` ${r.stopped.join(', ')}` : ''}\n`);
      return;
    }
    case 'status': {
      const s = runStatus(loaded.config.dataDir);
      if (values.json) { process.stdout.write(JSON.stringify(s, null, 2) + '\n'); return; }
      if (!s.supervisor) { process.stdout.write('stack: not running\n'); process.exitCode = 3; return; }
      process.stdout.write(`supervisor ${s.supervisor.pid} ${s.supervisor.alive ? 'alive' : 'gone'} (${s.state})\n`);
      for (const x of s.services) process.stdout.write(`  ${x.name.padEnd(10)} ${String(x.pid).padEnd(8)} ${x.alive ? 'alive' : 'gone'}\n`);
      for (const e of s.endpoints) process.stdout.write(`  ${e}\n`);
      return;
    }
    default:
      fail(USAGE, 2);
  }
}

void main().catch((err: unknown) => fail(`stack: ${(err as Error).stack ?? String(err)}`));

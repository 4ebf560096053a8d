// The servers under test: Kamailio (reference) and sipd + the srf app. Each is started pinned to
// the server core, on loopback, and stopped by the PIDs started here.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort, runSipp, waitForPort, describeSippResult } from '../../test/support/sipp';
import { startKamailio, descendants, snapshotProcesses, killSurvivors } from '../../test/sipp/kamailio';

export type TargetName = 'kamailio' | 'sipd';

export interface RunningTarget {
  name: TargetName;
  sipPort: number;
  /** Server-side process groups whose CPU time is reported separately (name -> PIDs). */
  groups(): Record<string, number[]>;
  /** Command lines used, for the report. */
  commands: string[];
  stop(): Promise<void>;
}

export type StartOutcome = { ok: true; target: RunningTarget } | { ok: false; reason: string };

/** The sipd command the harness runs; {SIP_PORT} {ADMIN_PORT} {SECRET} are filled in. */
export const DEFAULT_SIPD_CMD = 'bin/sipd --contact "sip:127.0.0.1:{SIP_PORT};transport=udp,tcp" '
  + '--port {ADMIN_PORT} --address 127.0.0.1 --secret {SECRET} --loglevel error';

export interface TargetConfig {
  repoRoot: string;
  serverCpu: string;
  kamailioChildren: number;
  sipdCmd: string;
  /** Overrides how the srf app is started ({ADMIN_PORT} {SECRET} filled in); default: node + tsx. */
  appCmd?: string;
  secret: string;
}

/** Repository root: the nearest parent whose package.json declares workspaces (bounded walk). */
export function findRepoRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 10; i++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`no workspace root above ${start}`);
}

/** Split a command line into argv: whitespace-separated, double or single quotes group. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let cur = '';
  let last = -1;
  for (let m = re.exec(cmd); m !== null; m = re.exec(cmd)) {
    const piece = m[1] ?? m[2] ?? m[3] ?? '';
    // Adjacent pieces without whitespace between them belong to the same word.
    if (last === m.index && out.length > 0) { cur = (out.pop() as string) + piece; } else { cur = piece; }
    out.push(cur);
    last = re.lastIndex;
  }
  return out;
}

function fill(cmd: string, vars: Record<string, string | number>): string {
  return cmd.replace(/\{([A-Z_]+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** argv as a copy-pasteable shell line (single-quote words with shell metacharacters). */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function onPath(exe: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(path.join(d, exe)));
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM the process we started, SIGKILL it after timeoutMs, then SIGKILL any of its own
 * descendants (listed before the stop) that outlived it. */
async function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (!alive(child) || child.pid === undefined) return;
  const pid = child.pid;
  const kids = snapshotProcesses(descendants(pid));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
  await exited;
  clearTimeout(t);
  killSurvivors(kids);
}

/** Answering probe: the target must answer 20 OPTIONS before it is measured. */
async function probe(port: number, cpu: string | undefined): Promise<string | undefined> {
  const r = await runSipp({ scenario: 'uac-options.xml', remote: `127.0.0.1:${port}`, calls: 20, rate: 200,
    timeoutSec: 15, recvTimeoutMs: 3000, cpu });
  return r.successful === 20 ? undefined : `probe of 20 OPTIONS failed: ${describeSippResult(r).split('\n')[0]}`;
}

export async function startKamailioTarget(cfg: TargetConfig, clientCpu: string): Promise<StartOutcome> {
  if (!onPath('kamailio') && !existsSync('/usr/sbin/kamailio')) return { ok: false, reason: 'kamailio is not installed' };
  const port = await freePort();
  try {
    const k = await startKamailio({
      template: path.join(cfg.repoRoot, 'bench', 'sip', 'kamailio', 'bench.cfg.tmpl'),
      vars: { PORT: port, CHILDREN: cfg.kamailioChildren }, readyPort: port, cpu: cfg.serverCpu,
    });
    const target: RunningTarget = {
      name: 'kamailio', sipPort: port,
      groups: () => ({ kamailio: k.pids() }),
      commands: [`taskset -c ${cfg.serverCpu} kamailio -f ${k.cfgFile} -DD -E -m 128 -M 16 (children=${cfg.kamailioChildren})`],
      stop: () => k.stop(),
    };
    const bad = await probe(port, clientCpu);
    if (bad) { await k.stop(); return { ok: false, reason: bad }; }
    return { ok: true, target };
  } catch (e) {
    return { ok: false, reason: `kamailio did not start: ${(e as Error).message.slice(0, 500)}` };
  }
}

/** Start sipd (configured command) and the srf app, both pinned to the server core. */
export async function startSipdTarget(cfg: TargetConfig, clientCpu: string): Promise<StartOutcome> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  const vars = { SIP_PORT: sipPort, ADMIN_PORT: adminPort, SECRET: cfg.secret };
  const argv = splitCommand(fill(cfg.sipdCmd, vars));
  if (argv.length === 0) return { ok: false, reason: 'empty sipd command' };
  const exe = argv[0];
  const exePath = exe.includes('/') ? path.resolve(cfg.repoRoot, exe) : exe;
  if (exe.includes('/') ? !existsSync(exePath) : !onPath(exe)) {
    return { ok: false, reason: `${exe} does not exist yet (sipd not built; build it or pass --sipd-cmd)` };
  }
  const sipdLine = `taskset -c ${cfg.serverCpu} ${shellLine(argv)}`;
  const sipd = spawn('taskset', ['-c', cfg.serverCpu, ...argv], { cwd: cfg.repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let sipdLog = '';
  const keep = (c: Buffer): void => { sipdLog = (sipdLog + c.toString()).slice(-4000); };
  sipd.stdout?.on('data', keep);
  sipd.stderr?.on('data', keep);
  const sipdGone = (): boolean => !alive(sipd);
  let app: ChildProcess | undefined;
  const cleanup = async (): Promise<void> => {
    if (app) await stopChild(app);
    await stopChild(sipd);
  };
  try {
    await waitForPort(sipPort, 'u1', 20000, sipdGone);
    await waitForPort(adminPort, 't1', 20000, sipdGone);
    if (sipdGone()) throw new Error(`sipd exited (code ${sipd.exitCode}): ${sipdLog.slice(-800)}`);

    const appArgs = appCommand(cfg, adminPort);
    app = spawn('taskset', ['-c', cfg.serverCpu, ...appArgs], { cwd: cfg.repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const appProc = app;
    let appLog = '';
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 20000);
      const onData = (c: Buffer): void => {
        appLog = (appLog + c.toString()).slice(-4000);
        if (/^connected /m.test(appLog)) { clearTimeout(t); resolve(true); }
      };
      appProc.stdout?.on('data', onData);
      appProc.stderr?.on('data', (c: Buffer) => { appLog = (appLog + c.toString()).slice(-4000); });
      appProc.once('exit', () => { clearTimeout(t); resolve(false); });
    });
    if (!connected) throw new Error(`srf app did not connect within 20 s: ${appLog.slice(-800)}`);
    const bad = await probe(sipPort, clientCpu);
    if (bad) throw new Error(bad);
    const sipdPid = sipd.pid as number;
    const appPid = appProc.pid as number;
    return {
      ok: true,
      target: {
        name: 'sipd', sipPort,
        groups: () => ({ sipd: [sipdPid, ...descendants(sipdPid)], app: [appPid, ...descendants(appPid)] }),
        commands: [sipdLine, `taskset -c ${cfg.serverCpu} ${shellLine(appArgs)}`],
        stop: cleanup,
      },
    };
  } catch (e) {
    await cleanup();
    return { ok: false, reason: `${(e as Error).message.slice(0, 800)} [${sipdLine}]` };
  }
}

/** The srf app runs as ONE node process (tsx loaded in-process), so its PID is the one measured. */
function appCommand(cfg: TargetConfig, adminPort: number): string[] {
  if (cfg.appCmd) return splitCommand(fill(cfg.appCmd, { ADMIN_PORT: adminPort, SECRET: cfg.secret }));
  const js = path.join(__dirname, 'apps', 'options-register-200.js');
  const ts = path.join(cfg.repoRoot, 'bench', 'sip', 'apps', 'options-register-200.ts');
  const common = ['--host', '127.0.0.1', '--port', String(adminPort), '--secret', cfg.secret];
  return existsSync(js) && __filename.endsWith('.js')
    ? [process.execPath, js, ...common]
    : [process.execPath, '--require', 'tsx/cjs', ts, ...common];
}

// Starts Debian's Kamailio on loopback from a config template, for validating SIPp scenarios
// and as the benchmark reference. Foreground (-DD -E), own run dir and pid file; stopped by
// the PID of the process started here (its workers exit with it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { waitForPort } from '../support/sipp';

export interface KamailioOptions {
  /** Config template; {{NAME}} placeholders are replaced from vars (and {{RUNDIR}}). */
  template: string;
  vars: Record<string, string | number>;
  /** Port to wait for (UDP) before resolving. */
  readyPort: number;
  /** taskset CPU list for Kamailio and its workers, e.g. '0'. */
  cpu?: string;
  /** Shared / private memory in MB (-m / -M). */
  sharedMb?: number;
  pkgMb?: number;
  runDir?: string;
  startTimeoutMs?: number;
}

export interface KamailioHandle {
  pid: number;
  runDir: string;
  cfgFile: string;
  /** Main process plus every worker currently alive (descendants via /proc). */
  pids(): number[];
  logTail(): string;
  stop(timeoutMs?: number): Promise<void>;
}

/** Replace {{NAME}} placeholders; an unknown placeholder is an error (nothing silently left). */
export function renderTemplate(text: string, vars: Record<string, string | number>): string {
  const out = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (m, name: string) => {
    if (!(name in vars)) throw new Error(`template placeholder ${m} has no value`);
    return String(vars[name]);
  });
  return out;
}

/** All descendants of a PID (Linux /proc children lists), bounded in depth and count. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < 1000) {
    const p = queue.shift() as number;
    let kids: number[] = [];
    try {
      for (const tid of readTasks(p)) {
        const txt = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (txt) kids = kids.concat(txt.split(/\s+/).map(Number));
      }
    } catch { /* process gone */ }
    for (const k of kids) { out.push(k); queue.push(k); }
  }
  return out;
}

function readTasks(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/** Start time of a process (field 22 of /proc/<pid>/stat), to tell it from a later PID reuse. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Identify processes now, so they can be killed later only if they are still the same ones. */
export function snapshotProcesses(pids: number[]): { pid: number; start: string | undefined }[] {
  return pids.map((pid) => ({ pid, start: procStartTime(pid) }));
}

/** SIGKILL the snapshotted processes that still exist with the same start time. */
export function killSurvivors(snap: { pid: number; start: string | undefined }[]): void {
  for (const p of snap) {
    if (p.start !== undefined && procStartTime(p.pid) === p.start) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function startKamailio(o: KamailioOptions): Promise<KamailioHandle> {
  const runDir = o.runDir ?? mkdtempSync(path.join(tmpdir(), 'kamailio-'));
  const cfgFile = path.join(runDir, 'kamailio.cfg');
  const pidFile = path.join(runDir, 'kamailio.pid');
  writeFileSync(cfgFile, renderTemplate(readFileSync(o.template, 'utf8'), { RUNDIR: runDir, ...o.vars }));
  const kargs = ['-f', cfgFile, '-DD', '-E', '-P', pidFile, '-Y', runDir,
    '-m', String(o.sharedMb ?? 128), '-M', String(o.pkgMb ?? 16)];
  const cmd = o.cpu !== undefined ? 'taskset' : 'kamailio';
  const argv = o.cpu !== undefined ? ['-c', o.cpu, 'kamailio', ...kargs] : kargs;
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not spawn kamailio');
  const pid = child.pid;
  let log = '';
  child.stderr?.on('data', (c: Buffer) => { log = (log + c.toString()).slice(-8000); });
  let exited = false;
  child.once('exit', () => { exited = true; });

  const stop = async (timeoutMs = 5000): Promise<void> => {
    if (exited) return;
    // Kamailio's main process stops its workers on SIGTERM; the ones listed now are killed
    // afterwards only if they outlived it (e.g. after a SIGKILL of the main process).
    const workers = descendants(pid);
    const snap = snapshotProcesses(workers);
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    await done;
    clearTimeout(t);
    const deadline = Date.now() + 2000;
    while (workers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    killSurvivors(snap);
    // A run dir made here is removed; a caller-given one is left alone.
    if (o.runDir === undefined) rmSync(runDir, { recursive: true, force: true });
  };
  try {
    await waitForPort(o.readyPort, 'u1', o.startTimeoutMs ?? 10000, () => exited);
    if (exited) throw new Error(`kamailio exited at start: ${log.slice(-2000)}`);
    // Workers are forked after the sockets are bound: wait (bounded) for the pid file.
    const deadline = Date.now() + 5000;
    while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
  } catch (e) {
    await stop(1000);
    throw e;
  }
  return {
    pid, runDir, cfgFile,
    pids: () => (alive(pid) ? [pid, ...descendants(pid)] : []),
    logTail: () => log,
    stop,
  };
}

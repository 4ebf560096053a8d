// Stop and status for a run this process did not start (a detached run, or one whose supervisor
// died): works from the manifest and pid files, stops in reverse start order, by pid only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, isOurProcess, readManifest, removeManifest } from './manifest';
import { stackPaths } from './paths';

/** Executable basenames of the known services, for pid files without a manifest. */
const KNOWN_COMMANDS: Readonly<Record<string, string>> = {
  mariadb: 'mariadbd', redis: 'redis-server', rtpengine: 'rtpengine', coturn: 'turnserver', sipd: 'sipd',
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitGone(pid: number, command: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, command)) return true;
    await sleep(100);
  }
  return !isOurProcess(pid, command);
}

/** SIGTERM, wait, SIGKILL: true when the process was running and is now gone. */
export async function terminate(pid: number, command: string, timeoutMs: number): Promise<boolean> {
  if (!isOurProcess(pid, command)) return false;
  try { process.kill(pid, 'SIGTERM'); } catch { return false; }
  if (await waitGone(pid, command, timeoutMs)) return true;
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  await waitGone(pid, command, 2000);
  return true;
}

export interface StopReport { supervisor?: number; stopped: string[] }

export async function stopRun(dataDir: string, stopTimeoutMs: number): Promise<StopReport> {
  const { runDir } = stackPaths(dataDir);
  const m = readManifest(runDir);
  const report: StopReport = { stopped: [] };
  let services: Array<{ name: string; pid: number; command: string }> = m?.services ?? [];
  if (m && m.supervisorPid !== process.pid && isOurProcess(m.supervisorPid, process.execPath)) {
    // The supervisor stops its children itself, in order; give it time for all of them.
    report.supervisor = m.supervisorPid;
    await terminate(m.supervisorPid, process.execPath, stopTimeoutMs * (services.length + 1) + 5000);
  }
  if (!m) {
    services = [];
    for (const f of fs.existsSync(runDir) ? fs.readdirSync(runDir) : []) {
      const name = f.endsWith('.pid') && !f.endsWith('.daemon.pid') ? f.slice(0, -4) : undefined;
      if (!name) continue;
      const pid = Number(fs.readFileSync(path.join(runDir, f), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) services.push({ name, pid, command: KNOWN_COMMANDS[name] ?? name });
    }
  }
  for (const s of [...services].reverse()) {
    if (await terminate(s.pid, s.command, stopTimeoutMs)) report.stopped.push(`${s.name} (${s.pid})`);
    fs.rmSync(path.join(runDir, `${s.name}.pid`), { force: true });
  }
  removeManifest(runDir);
  return report;
}

export interface ServiceStatus { name: string; pid: number; alive: boolean }

export function runStatus(dataDir: string): { supervisor?: { pid: number; alive: boolean }; state?: string; services: ServiceStatus[]; endpoints: string[] } {
  const m = readManifest(stackPaths(dataDir).runDir);
  if (!m) return { services: [], endpoints: [] };
  return {
    supervisor: { pid: m.supervisorPid, alive: isAlive(m.supervisorPid) && isOurProcess(m.supervisorPid, process.execPath) },
    state: m.state,
    services: m.services.map((s) => ({ name: s.name, pid: s.pid, alive: isOurProcess(s.pid, s.command) })),
    endpoints: m.endpoints,
  };
}

// The run's manifest, <runDir>/stack.json: which supervisor owns the data dir and which services
// it started (in order, with pids). `stop` and `status` work from it and the pid files, so a
// detached or crashed run can still be stopped, in reverse order, by pid.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ports } from '@openline/config';

export interface ManifestService { name: string; pid: number; command: string }

export interface Manifest {
  supervisorPid: number;
  state: 'starting' | 'ready' | 'stopping';
  dataDir: string;
  ports: Ports;
  services: ManifestService[];
  endpoints: string[];
}

export function manifestFile(runDir: string): string {
  return path.join(runDir, 'stack.json');
}

export function readManifest(runDir: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(manifestFile(runDir), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

export function writeManifest(runDir: string, m: Manifest): void {
  const f = manifestFile(runDir);
  fs.writeFileSync(`${f}.tmp`, JSON.stringify(m, null, 2) + '\n');
  fs.renameSync(`${f}.tmp`, f);
}

export function removeManifest(runDir: string): void {
  fs.rmSync(manifestFile(runDir), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when pid exists and is not a zombie (an exited child its parent has not reaped yet). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * True when pid is alive and still runs `command` (guards against a recycled pid). Zombies count
 * as gone. Redis rewrites its title, so the check is "argv[0] starts with the command's basename".
 */
export function isOurProcess(pid: number, command: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/.test(stat)) return false;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // A script run through its interpreter (bin/sipd → `node /path/bin/sipd`) shows as argv[1].
    return argv.slice(0, 2).some((a) => path.basename(a).startsWith(path.basename(command)) || a.startsWith(command));
  } catch {
    return true; // no /proc: trust the pid
  }
}

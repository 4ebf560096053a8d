// One measured SIPp run against a running target: closed-loop load (-l concurrency, no
// effective rate cap) for a fixed duration, then rate from the steady part of SIPp's periodic
// stats, CPU per request from /proc for every server-side process group.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSipp, statRows, sippEpochSec, type SippResult } from '../../test/support/sipp';
import { cpuSnapshot, cpuDelta, cpuMicros, udpCounters, udpSocketDrops } from './procstat';
import type { RunningTarget } from './targets';

export type ScenarioName = 'options' | 'register';

export const SCENARIO_FILES: Record<ScenarioName, string> = {
  options: 'uac-options.xml',
  register: 'uac-register.xml',
};

export interface LoadConfig {
  durationSec: number;
  /** Seconds at the start of each run left out of the rate (ramp-up). */
  rampSec: number;
  /** SIPp -l: simultaneous transactions in flight (closed loop). */
  limit: number;
  clientCpu: string;
  users: number;
  /** Extra SIPp arguments (scheduler tuning so SIPp is not the limit). */
  sippExtra: string[];
}

export interface Measurement {
  target: string;
  scenario: ScenarioName;
  round: number;
  /** Successful requests per second over the steady window. */
  rate: number;
  successful: number;
  failed: number;
  retransmissions: number;
  recvTimeouts: number;
  unexpected: number;
  wallSec: number;
  /** CPU µs per successful request (1 request in + 1 response out) per process group. */
  cpuUsPerRequest: Record<string, number>;
  /** Share of one core used per process group over the run (1 = 100 %). */
  cpuShare: Record<string, number>;
  /** Share of one core used by SIPp (near 1 = the load generator may be the limit). */
  sippCpuShare: number;
  udpRcvbufErrors: number;
  /** Receive-buffer drops on the server's SIP socket and on SIPp's socket during the run. */
  serverSocketDrops: number;
  sippSocketDrops: number;
  sippExit: number | null;
  note: string;
}

let usersFile: string | undefined;

/** SEQUENTIAL injection file with N distinct users (u100000...), written once per process. */
function registerUsers(n: number): string {
  if (!usersFile) {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-users-'));
    usersFile = path.join(dir, 'users.csv');
    const lines = ['SEQUENTIAL'];
    for (let i = 0; i < n; i++) lines.push(`u${100000 + i};`);
    writeFileSync(usersFile, `${lines.join('\n')}\n`);
  }
  return usersFile;
}

/** Steady-window rate from the periodic stat rows: skip rampSec, stop at the stop request. */
export function steadyRate(rows: Record<string, string>[], rampSec: number, stopEpoch: number): number | undefined {
  const pts = rows
    .map((r) => ({ t: sippEpochSec(r.CurrentTime), ok: Number(r['SuccessfulCall(C)']) }))
    .filter((p) => p.t > 0 && Number.isFinite(p.ok));
  if (pts.length < 2) return undefined;
  const t0 = pts[0].t + rampSec;
  const win = pts.filter((p) => p.t >= t0 && p.t <= stopEpoch);
  if (win.length < 2) return undefined;
  const a = win[0];
  const b = win[win.length - 1];
  return b.t > a.t ? (b.ok - a.ok) / (b.t - a.t) : undefined;
}

export async function measure(target: RunningTarget, scenario: ScenarioName, round: number,
  load: LoadConfig, durationSec = load.durationSec): Promise<Measurement> {
  const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const pidsBefore = target.groups();
  const before = new Map(Object.entries(pidsBefore).map(([g, p]) => [g, cpuSnapshot(p)]));
  const udp0 = udpCounters();
  const serverDrops0 = udpSocketDrops(target.sipPort);
  const started = Date.now();
  const sipp = await startSipp({
    scenario: SCENARIO_FILES[scenario],
    remote: `127.0.0.1:${target.sipPort}`,
    transport: 'u1',
    limit: load.limit,
    // Closed loop: the rate cap is far above any reachable rate, -l bounds what is in flight.
    rate: 1000000,
    cpu: load.clientCpu,
    bufferBytes: 4 * 1024 * 1024,
    timeoutSec: durationSec + 30,
    statPeriodSec: 1,
    injectionFiles: scenario === 'register' ? [registerUsers(load.users)] : [],
    extraArgs: load.sippExtra,
    // The periodic stat rows are read below; the dir is removed here after a clean run.
    cleanup: 'never',
  });
  await new Promise((r) => setTimeout(r, durationSec * 1000));
  const sippDrops = udpSocketDrops(sipp.localPort); // SIPp's socket is new: its count starts at 0
  const sippPid = sipp.sippPid();
  const sippCpu = sippPid !== undefined ? cpuMicros(sippPid) ?? 0 : 0;
  const sippWallUs = (Date.now() - started) * 1000;
  const stopEpoch = Date.now() / 1000;
  const r: SippResult = await sipp.stop(10000);
  const wallSec = (Date.now() - started) / 1000;
  const udp1 = udpCounters();
  const serverSocketDrops = udpSocketDrops(target.sipPort) - serverDrops0;
  const pidsAfter = target.groups();
  const cpuUsPerRequest: Record<string, number> = {};
  const cpuShare: Record<string, number> = {};
  const notes: string[] = [];
  for (const [g, pids] of Object.entries(pidsAfter)) {
    const d = cpuDelta(before.get(g) ?? new Map(), cpuSnapshot(pids));
    cpuUsPerRequest[g] = r.successful > 0 ? d / r.successful : Number.NaN;
    cpuShare[g] = d / (wallSec * 1e6);
    if (pids.length === 0) notes.push(`${g} has no live process`);
  }
  const rate = steadyRate(statRows(r.outDir), load.rampSec, stopEpoch);
  if (r.failed === 0 && !r.timedOut) rmSync(r.outDir, { recursive: true, force: true });
  else notes.push(`SIPp traces kept in ${r.outDir}`);
  if (rate === undefined) notes.push('rate from whole run (too few stat rows)');
  if (r.timedOut) notes.push('SIPp hit its hard timeout');
  notes.push(`loadavg ${loadAvg}`);
  return {
    target: target.name, scenario, round,
    rate: rate ?? r.successful / Math.max(wallSec, 0.001),
    successful: r.successful, failed: r.failed, retransmissions: r.retransmissions,
    recvTimeouts: r.failedTimeoutOnRecv, unexpected: r.unexpectedMessages, wallSec,
    cpuUsPerRequest, cpuShare, sippCpuShare: sippCpu / Math.max(sippWallUs, 1),
    udpRcvbufErrors: udp1.rcvbufErrors - udp0.rcvbufErrors,
    serverSocketDrops, sippSocketDrops: sippDrops,
    sippExit: r.exitCode, note: notes.join('; '),
  };
}

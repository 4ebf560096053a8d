// CPU time of processes and UDP drop counters, read from /proc (Linux only).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat times (usually 100). */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim();
    clkTck = Number(out) > 0 ? Number(out) : 100;
  }
  return clkTck;
}

/** utime+stime of one process (all its threads) in microseconds, or undefined if gone. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime/stime are fields 14 and 15 (1-based).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1e6) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** CPU µs per PID for a set of processes (missing ones are left out). */
export function cpuSnapshot(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    const v = cpuMicros(pid);
    if (v !== undefined) m.set(pid, v);
  }
  return m;
}

/** CPU used between two snapshots, summed over PIDs present in both. */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, v] of after) {
    const b = before.get(pid);
    if (b !== undefined) sum += v - b;
  }
  return sum;
}

export interface UdpCounters { inDatagrams: number; inErrors: number; rcvbufErrors: number }

/** Host-wide UDP counters from /proc/net/snmp (loopback-only traffic on this host). */
export function udpCounters(): UdpCounters {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const head = (lines[0] ?? '').split(/\s+/);
  const vals = (lines[1] ?? '').split(/\s+/).map(Number);
  const get = (k: string): number => vals[head.indexOf(k)] ?? 0;
  return { inDatagrams: get('InDatagrams'), inErrors: get('InErrors'), rcvbufErrors: get('RcvbufErrors') };
}

/** Drops counted on the UDP sockets bound to a local port (last column of /proc/net/udp):
 * receive-buffer overflows of that one socket, unlike the host-wide snmp counter. */
export function udpSocketDrops(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let sum = 0;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(hex)) sum += Number(cols[cols.length - 1]) || 0;
  }
  return sum;
}

/** Median of numbers (NaN for an empty list). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

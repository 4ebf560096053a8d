// Typed SIPp runner for integration tests and benchmarks.
// SIPp always runs under coreutils `timeout` (its own -timeout was seen to hang), in a private
// temp dir that receives the stat CSV, message counts, screen dump and error log; the result is
// parsed from those files, not only from the exit code. Only the process started here is
// signalled, by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as dgram from 'node:dgram';
import * as net from 'node:net';

/** Directory holding the project's own scenarios (test/sipp), from source or from test/dist. */
export const SIPP_SCENARIO_DIR = [path.resolve(__dirname, '..', 'sipp'), path.resolve(__dirname, '..', '..', 'sipp')]
  .find((d) => existsSync(path.join(d, 'uac-options.xml'))) ?? path.resolve(__dirname, '..', 'sipp');

/** SIPp transport modes: u/t/l = UDP/TCP/TLS; 1 = one socket, n = one socket per call.
 * Debian's SIPp 3.6.1 is built without OpenSSL: l1/ln exit at once ("compile SIPp with OpenSSL"). */
export type SippTransport = 'u1' | 'un' | 't1' | 'tn' | 'l1' | 'ln';

export interface SippOptions {
  /** File in test/sipp/ (e.g. 'uac-options.xml'), an absolute path, or 'sn:uac' for a built-in one. */
  scenario: string;
  /** Remote host:port (omit for a pure UAS); the Request-URI uses it. */
  remote?: string;
  /** -rsa host:port: send every request to this proxy while the Request-URI stays on remote. */
  outboundProxy?: string;
  /** -d: default <pause/> length in ms (call hold time in the call scenarios). */
  pauseMs?: number;
  localIp?: string;
  /** Local SIP port; 0 = pick a free one first (so the caller can learn it). Default 0. */
  localPort?: number;
  transport?: SippTransport;
  /** -m: stop after this many calls. */
  calls?: number;
  /** -r: calls per rate period. */
  rate?: number;
  /** -rp: rate period in ms (default SIPp's 1000). */
  ratePeriodMs?: number;
  /** -l: maximum simultaneous calls. */
  limit?: number;
  /** -users: closed-loop mode, this many users each starting a new call when the last ends. */
  users?: number;
  /** -lost: percentage of packets to drop. */
  lostPercent?: number;
  /** -inf files (CSV, first line SEQUENTIAL/RANDOM/USER). */
  injectionFiles?: string[];
  /** -rtp_echo on -mp mediaPort. */
  rtpEcho?: boolean;
  mediaPort?: number;
  /** -s service (request-URI user). */
  service?: string;
  /** -key name value pairs ([name] in the scenario). */
  keys?: Record<string, string>;
  /** -set name value pairs (scenario variables). */
  vars?: Record<string, string>;
  /** -recv_timeout in ms, applied to every <recv> without its own timeout. */
  recvTimeoutMs?: number;
  /** -max_retrans etc.: extra raw arguments appended last. */
  extraArgs?: string[];
  /** TLS (-t l1/ln): certificate and key files (SIPp otherwise looks for cacert.pem/cakey.pem in its cwd). */
  tlsCert?: string;
  tlsKey?: string;
  /** -buff_size in bytes (the host caps UDP rmem at 4 MiB). */
  bufferBytes?: number;
  /** Pin SIPp to these CPUs with taskset (e.g. '1'). */
  cpu?: string;
  /** Hard wall-clock limit in seconds, enforced by coreutils timeout. Default 30. */
  timeoutSec?: number;
  /** -fd: stat dump period in seconds. Default 1. */
  statPeriodSec?: number;
  /** Also log every SIP message (-trace_msg); slow, for debugging. */
  traceMessages?: boolean;
  /** Where the trace files go (default: a new temp dir). */
  outDir?: string;
  /** Remove the temp dir after parsing: 'on-success' (default: failures keep their traces),
   * 'always' or 'never'. A caller-given outDir, or a run with traceMessages, is never removed. */
  cleanup?: 'on-success' | 'always' | 'never';
}

export interface SippResult {
  /** SIPp's exit code (0 all ok, 1 some failed, 97 stopped by command, 99 no calls, 124 = killed by timeout). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** True when the run ended normally with ≥1 successful call and no failed one. */
  ok: boolean;
  callsCreated: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Calls failed on an unexpected message plus messages SIPp could not match to a call. */
  unexpectedMessages: number;
  outOfCallMessages: number;
  deadCallMessages: number;
  failedTimeoutOnRecv: number;
  failedMaxUdpRetrans: number;
  /** Wall-clock time from spawn to exit, measured here. */
  elapsedMs: number;
  /** Cumulative run time reported by SIPp. */
  sippElapsedMs: number;
  /** SIPp's cumulative call rate (calls/s). */
  callRate: number;
  /** Last row of the stat CSV: every column by name. */
  stats: Record<string, string>;
  /** Last row of the -trace_counts CSV (per scenario step: Sent/Recv/Retrans/Timeout/Unexp). */
  counts: Record<string, number>;
  /** Contents of the error log (unexpected messages etc.), '' if none. */
  errors: string;
  /** Final screen dump. */
  screen: string;
  stdoutTail: string;
  stderrTail: string;
  /** Trace dir; removed after a clean run unless cleanup is 'never' (see SippOptions.cleanup). */
  outDir: string;
  args: string[];
  localPort: number;
}

const TAIL_BYTES = 16384;

function appendTail(prev: string, chunk: Buffer): string {
  const s = prev + chunk.toString('utf8');
  return s.length > TAIL_BYTES ? s.slice(s.length - TAIL_BYTES) : s;
}

/** Resolve a scenario name to SIPp arguments (-sf FILE or -sn NAME). */
function scenarioArgs(scenario: string): string[] {
  if (scenario.startsWith('sn:')) return ['-sn', scenario.slice(3)];
  const file = path.isAbsolute(scenario) ? scenario : path.join(SIPP_SCENARIO_DIR, scenario);
  if (!existsSync(file)) throw new Error(`SIPp scenario not found: ${file}`);
  return ['-sf', file];
}

// Ports this process already handed out: the kernel may offer a just-closed port again, and two
// children told the same port would collide before either binds it.
const handedOut = new Set<number>();

/** Find a port free for both UDP and TCP on the address (tiny race accepted: loopback tests only). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, host, () => {
        const p = sock.address().port;
        sock.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (tcpFree && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free UDP+TCP port found in 40 attempts');
}

/** Build the SIPp argument list (without `timeout`/`taskset`). Exported for tests and logging. */
export function buildSippArgs(o: SippOptions, localPort: number, outDir: string): string[] {
  const a: string[] = [...scenarioArgs(o.scenario)];
  if (o.remote) a.push(o.remote);
  if (o.outboundProxy) a.push('-rsa', o.outboundProxy);
  if (o.pauseMs !== undefined) a.push('-d', String(o.pauseMs));
  a.push('-i', o.localIp ?? '127.0.0.1', '-p', String(localPort));
  a.push('-t', o.transport ?? 'u1');
  if (o.calls !== undefined) a.push('-m', String(o.calls));
  if (o.rate !== undefined) a.push('-r', String(o.rate));
  if (o.ratePeriodMs !== undefined) a.push('-rp', String(o.ratePeriodMs));
  if (o.limit !== undefined) a.push('-l', String(o.limit));
  if (o.users !== undefined) a.push('-users', String(o.users));
  if (o.lostPercent !== undefined) a.push('-lost', String(o.lostPercent));
  for (const f of o.injectionFiles ?? []) a.push('-inf', path.resolve(f));
  if (o.rtpEcho) a.push('-rtp_echo');
  if (o.mediaPort !== undefined) a.push('-mp', String(o.mediaPort));
  if (o.service !== undefined) a.push('-s', o.service);
  for (const [k, v] of Object.entries(o.keys ?? {})) a.push('-key', k, v);
  for (const [k, v] of Object.entries(o.vars ?? {})) a.push('-set', k, v);
  if (o.recvTimeoutMs !== undefined) a.push('-recv_timeout', String(o.recvTimeoutMs));
  if (o.bufferBytes !== undefined) a.push('-buff_size', String(o.bufferBytes));
  if (o.tlsCert !== undefined) a.push('-tls_cert', path.resolve(o.tlsCert));
  if (o.tlsKey !== undefined) a.push('-tls_key', path.resolve(o.tlsKey));
  a.push('-nostdin');
  a.push('-trace_stat', '-stf', path.join(outDir, 'stat.csv'), '-fd', String(o.statPeriodSec ?? 1));
  a.push('-trace_counts');
  a.push('-trace_screen', '-screen_file', path.join(outDir, 'screen.log'));
  a.push('-trace_err', '-error_file', path.join(outDir, 'errors.log'));
  if (o.traceMessages) a.push('-trace_msg', '-message_file', path.join(outDir, 'messages.log'));
  a.push(...(o.extraArgs ?? []));
  return a;
}

/** Parse a SIPp ';'-separated CSV and return its last data row keyed by header. */
export function lastCsvRow(text: string): Record<string, string> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const head = lines[0].split(';');
  const last = lines[lines.length - 1].split(';');
  const row: Record<string, string> = {};
  head.forEach((h, i) => {
    if (h !== '') row[h] = last[i] ?? '';
  });
  return row;
}

/** Every data row of a SIPp ';'-separated CSV, keyed by header (e.g. the periodic stat rows). */
export function csvRows(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return [];
  const head = lines[0].split(';');
  return lines.slice(1).map((line) => {
    const cells = line.split(';');
    const row: Record<string, string> = {};
    head.forEach((h, i) => { if (h !== '') row[h] = cells[i] ?? ''; });
    return row;
  });
}

/** Periodic stat rows of a run (-fd period), oldest first. */
export function statRows(outDir: string): Record<string, string>[] {
  return csvRows(readIf(path.join(outDir, 'stat.csv')));
}

/** Epoch seconds of a SIPp time cell ("YYYY-MM-DD<TAB>HH:MM:SS.us<TAB>epoch.us"). */
export function sippEpochSec(cell: string | undefined): number {
  const last = (cell ?? '').split('\t').pop() ?? '';
  const n = Number(last);
  return Number.isFinite(n) ? n : 0;
}

/** SIPp durations look like HH:MM:SS or HH:MM:SS:uuuuuu. */
export function parseSippDurationMs(v: string | undefined): number {
  if (!v) return 0;
  const p = v.split(':').map(Number);
  if (p.some((n) => Number.isNaN(n))) return 0;
  const [h = 0, m = 0, s = 0, us = 0] = p;
  return ((h * 60 + m) * 60 + s) * 1000 + us / 1000;
}

function num(row: Record<string, string>, key: string): number {
  const n = Number(row[key]);
  return Number.isFinite(n) ? n : 0;
}

function readIf(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Parse the trace files of a finished run. */
export function parseSippOutput(outDir: string): Pick<SippResult,
  'stats' | 'counts' | 'errors' | 'screen' | 'callsCreated' | 'successful' | 'failed' | 'retransmissions'
  | 'unexpectedMessages' | 'outOfCallMessages' | 'deadCallMessages' | 'failedTimeoutOnRecv'
  | 'failedMaxUdpRetrans' | 'sippElapsedMs' | 'callRate'> {
  const stats = lastCsvRow(readIf(path.join(outDir, 'stat.csv')));
  const countsFile = readdirSync(outDir).find((f) => f.endsWith('_counts.csv'));
  const countsRaw = countsFile ? lastCsvRow(readIf(path.join(outDir, countsFile))) : {};
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(countsRaw)) {
    const n = Number(v);
    if (Number.isFinite(n) && k !== 'CurrentTime') counts[k] = n;
  }
  const failedUnexpected = num(stats, 'FailedUnexpectedMessage(C)');
  const outOfCall = num(stats, 'OutOfCallMsgs(C)');
  return {
    stats,
    counts,
    errors: readIf(path.join(outDir, 'errors.log')),
    screen: readIf(path.join(outDir, 'screen.log')),
    callsCreated: num(stats, 'TotalCallCreated'),
    successful: num(stats, 'SuccessfulCall(C)'),
    failed: num(stats, 'FailedCall(C)'),
    retransmissions: num(stats, 'Retransmissions(C)'),
    unexpectedMessages: failedUnexpected + outOfCall,
    outOfCallMessages: outOfCall,
    deadCallMessages: num(stats, 'DeadCallMsgs(C)'),
    failedTimeoutOnRecv: num(stats, 'FailedTimeoutOnRecv(C)'),
    failedMaxUdpRetrans: num(stats, 'FailedMaxUDPRetrans(C)'),
    sippElapsedMs: parseSippDurationMs(stats['ElapsedTime(C)']),
    callRate: num(stats, 'CallRate(C)'),
  };
}

/** A started SIPp process (foreground run or background UAS). */
export interface SippProcess {
  /** PID of the `timeout` wrapper we spawned. */
  pid: number;
  /** PID of SIPp itself (child of the wrapper), once it exists. */
  sippPid(): number | undefined;
  localPort: number;
  outDir: string;
  args: string[];
  /** Resolves when SIPp exits, with the parsed result. */
  done: Promise<SippResult>;
  /** Ask SIPp to finish (SIGUSR1 = graceful quit, like pressing q); SIGTERM after graceMs, SIGKILL 3 s later. */
  stop(graceMs?: number): Promise<SippResult>;
}

/** PID of SIPp itself: the child of the `timeout` process we started. */
function sippPidOf(wrapperPid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim();
    const first = Number(kids.split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Start SIPp (under timeout, optionally taskset) and return a handle. */
export async function startSipp(o: SippOptions): Promise<SippProcess> {
  const outDir = o.outDir ?? mkdtempSync(path.join(tmpdir(), 'sipp-'));
  const localPort = o.localPort && o.localPort > 0 ? o.localPort : await freePort(o.localIp ?? '127.0.0.1');
  const args = buildSippArgs(o, localPort, outDir);
  const timeoutSec = o.timeoutSec ?? 30;
  const wrapper = ['--signal=TERM', '--kill-after=5', String(timeoutSec)];
  const cmd = o.cpu !== undefined ? 'taskset' : 'timeout';
  const argv = o.cpu !== undefined ? ['-c', o.cpu, 'timeout', ...wrapper, 'sipp', ...args] : [...wrapper, 'sipp', ...args];
  const started = Date.now();
  const child: ChildProcess = spawn(cmd, argv, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${cmd}`);
  const pid = child.pid;
  let stdoutTail = '';
  let stderrTail = '';
  child.stdout?.on('data', (c: Buffer) => { stdoutTail = appendTail(stdoutTail, c); });
  child.stderr?.on('data', (c: Buffer) => { stderrTail = appendTail(stderrTail, c); });

  // Backstop in case `timeout` itself does not end: kill the wrapper we started, by PID.
  const backstop = setTimeout(() => {
    const sipp = sippPidOf(pid);
    for (const p of sipp !== undefined ? [sipp, pid] : [pid]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  }, (timeoutSec + 10) * 1000);

  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(backstop);
      const elapsedMs = Date.now() - started;
      const parsed = parseSippOutput(outDir);
      const timedOut = code === 124 || code === 137;
      const ok = !timedOut && (code === 0 || code === 97) && parsed.failed === 0 && parsed.successful > 0;
      const mode = o.cleanup ?? 'on-success';
      if (o.outDir === undefined && !o.traceMessages && (mode === 'always' || (mode === 'on-success' && ok && parsed.unexpectedMessages === 0))) {
        rmSync(outDir, { recursive: true, force: true });
      }
      resolve({ ...parsed, exitCode: code, signal, timedOut, ok, elapsedMs, stdoutTail, stderrTail, outDir, args, localPort });
    });
  });

  // Escalation: SIGUSR1 to SIPp (graceful quit), SIGTERM after graceMs, SIGKILL 3 s later;
  // always to SIPp's own PID (a signal the `timeout` wrapper does not forward would orphan it).
  const stop = async (graceMs = 3000): Promise<SippResult> => {
    if (child.exitCode === null && child.signalCode === null) {
      const sipp = sippPidOf(pid);
      const send = (sig: NodeJS.Signals): void => {
        for (const p of sipp !== undefined ? [sipp] : [pid]) { try { process.kill(p, sig); } catch { /* gone */ } }
      };
      send(sipp !== undefined ? 'SIGUSR1' : 'SIGTERM');
      const t1 = setTimeout(() => send('SIGTERM'), graceMs);
      const t2 = setTimeout(() => { send('SIGKILL'); try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs + 3000);
      const r = await done;
      clearTimeout(t1);
      clearTimeout(t2);
      return r;
    }
    return done;
  };
  return { pid, sippPid: () => sippPidOf(pid), localPort, outDir, args, done, stop };
}

/** Run SIPp to completion and return the parsed result. */
export async function runSipp(o: SippOptions): Promise<SippResult> {
  const p = await startSipp(o);
  return p.done;
}

/** Wait until something listens on the port (UDP or TCP) per /proc/net, bounded by timeoutMs. */
export async function waitForPort(port: number, transport: SippTransport = 'u1', timeoutMs = 5000,
  giveUp: () => boolean = () => false): Promise<void> {
  const file = transport.startsWith('u') ? '/proc/net/udp' : '/proc/net/tcp';
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !giveUp()) {
    const lines = readFileSync(file, 'utf8').split('\n').slice(1);
    // local_address is column 2; for TCP also require state 0A (LISTEN).
    if (lines.some((l) => {
      const cols = l.trim().split(/\s+/);
      return cols[1]?.endsWith(hex) && (file.endsWith('udp') || cols[3] === '0A');
    })) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (giveUp()) return;
  throw new Error(`nothing listening on ${transport} port ${port} after ${timeoutMs} ms`);
}

/** Start a background UAS scenario and wait until its SIP port is bound. */
export async function sippUas(o: Omit<SippOptions, 'remote'> & { remote?: string }): Promise<SippProcess> {
  const p = await startSipp({ timeoutSec: 120, ...o });
  let early: SippResult | undefined;
  void p.done.then((r) => { early = r; }, () => undefined);
  try {
    await waitForPort(p.localPort, o.transport ?? 'u1', 5000, () => early !== undefined);
  } catch (e) {
    await p.stop(500);
    throw e;
  }
  if (early) throw new Error(`SIPp UAS exited early (${early.exitCode}): ${early.stderrTail || early.stdoutTail.slice(-500)}`);
  return p;
}

/** One-line summary for logs and assertion messages. */
export function describeSippResult(r: SippResult): string {
  return `exit=${r.exitCode}${r.timedOut ? ' (timed out)' : ''} created=${r.callsCreated} ok=${r.successful} `
    + `failed=${r.failed} retrans=${r.retransmissions} unexpected=${r.unexpectedMessages} `
    + `recvTimeouts=${r.failedTimeoutOnRecv} rate=${r.callRate.toFixed(1)}/s elapsed=${r.elapsedMs}ms dir=${r.outDir}`
    + (r.errors ? `\n${r.errors.slice(-2000)}` : '');
}

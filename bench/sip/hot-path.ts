// sipd's own CPU per request, without SIPp and without drachtio-srf: a measurement helper for
// work on sipd's hot path, where the full bench (bench/sip/run.ts) is too noisy on a shared host
// to see a 5-10 % change. sipd (one or more builds, alternating) runs pinned to a core; this
// process plays both the UDP client (closed loop: `window` requests in flight) and a minimal app
// on the drachtio wire protocol that answers every request with a 200, the way srf's
// res.send(200) does. sipd's utime+stime from /proc over the measured requests / requests =
// µs per request (one request in + one response out, plus the two app frames each way).
//
// Memory, per round: sipd's RSS (VmRSS) at the end of the measured run and its peak (VmHWM); with
// --gc, sipd runs under `node --trace-gc` and the round also reports the GC pauses during the
// measured run (count, ms) and the largest heap size left after a mark-compact (the live heap:
// what finished transactions keep alive for Timer J shows there).
//
// Run: npx tsx bench/sip/hot-path.ts --sipd bench/out/a.js,bench/out/b.js [--rounds 5]
//        [--requests 20000] [--window 50] [--method OPTIONS|REGISTER] [--cpu 0] [--sipd-args "..."]
//        [--gc] [--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
// Each --sipd entry is an executable taking drachtio-server's command line (bin/sipd does); with
// --gc or --node-args it must be a node script (it is run as `node [--trace-gc] <node-args> <entry>`).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import * as path from 'node:path';
import { freePort, waitForPort } from '../../test/support/sipp';
import { readFileSync } from 'node:fs';
import { cpuMicros } from './procstat';
import { median } from './procstat';

interface Options { sipds: string[]; rounds: number; requests: number; window: number; method: 'OPTIONS' | 'REGISTER'; cpu: string; extra: string[]; gc: boolean; nodeArgs: string[] }

/** One round's figures for one build. */
interface RoundResult { us: number; rssMiB: number; peakMiB: number; gcCount?: number; gcMs?: number; liveHeapMiB?: number }

/** VmRSS and VmHWM of a process in MiB (0 when unreadable). */
function memoryMiB(pid: number): { rss: number; peak: number } {
  let text = '';
  try { text = readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { /* gone */ }
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * GC figures from V8's --trace-gc lines, e.g.
 * `[pid:0x..]  1234 ms: Mark-Compact 20.1 (25.0) -> 12.3 (26.0) MB, 3.21 / 0.00 ms  (...)`.
 */
function gcFigures(lines: string[]): { count: number; ms: number; liveHeapMiB: number } {
  let count = 0;
  let ms = 0;
  let live = 0;
  for (const line of lines) {
    const m = /: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^,]*-> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \/ /.exec(line);
    if (m === null) continue;
    count++;
    ms += Number(m[3]);
    if (m[1] !== 'Scavenge') live = Math.max(live, Number(m[2]));
  }
  return { count, ms, liveHeapMiB: live };
}

function parseArgs(argv: string[]): Options {
  const get = (n: string): string | undefined => { const i = argv.indexOf(`--${n}`); return i >= 0 ? argv[i + 1] : undefined; };
  const sipds = (get('sipd') ?? 'bin/sipd').split(',');
  const method = (get('method') ?? 'OPTIONS').toUpperCase();
  if (method !== 'OPTIONS' && method !== 'REGISTER') throw new Error('--method OPTIONS|REGISTER');
  return { sipds, rounds: Number(get('rounds') ?? 5), requests: Number(get('requests') ?? 20000), window: Number(get('window') ?? 50), method, cpu: get('cpu') ?? '0',
    extra: (get('sipd-args') ?? '').split(' ').filter((a) => a !== ''), gc: argv.includes('--gc'),
    nodeArgs: (get('node-args') ?? '').split(' ').filter((a) => a !== '') };
}

/** The app side: authenticates, routes the method, answers each request with 200. */
function startApp(adminPort: number, secret: string, verb: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect(adminPort, '127.0.0.1');
    const send = (text: string): void => { sock.write(`${Buffer.byteLength(text)}#${text}`); };
    let buf: Buffer = Buffer.alloc(0);
    let routed = false;
    sock.setNoDelay(true);
    sock.on('error', reject);
    sock.on('connect', () => send(`${randomUUID()}|authenticate|${secret}|`));
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const replies: string[] = [];
      while (true) {
        const hash = buf.indexOf(0x23);
        if (hash < 0) break;
        const len = Number(buf.toString('latin1', 0, hash));
        if (buf.length < hash + 1 + len) break;
        const text = buf.toString('utf8', hash + 1, hash + 1 + len);
        buf = buf.subarray(hash + 1 + len);
        const t = text.slice(0, text.indexOf('\r\n') >= 0 ? text.indexOf('\r\n') : text.length).split('|');
        if (t[1] === 'response' && !routed) {
          routed = true;
          send(`${randomUUID()}|route|${verb}`);
          setTimeout(() => resolve(sock), 200);
        } else if (t[1] === 'sip' && t[2] === 'network') {
          const raw = text.slice(text.indexOf('\r\n') + 2);
          const contact = verb === 'register' ? /\r\nContact: *([^\r\n]*)/i.exec(raw)?.[1] : undefined;
          const extra = contact ? `Contact: ${contact}\r\nExpires: 3600\r\n` : '';
          const reply = `${randomUUID()}|sip|${t[8]}|\r\nSIP/2.0 200 OK\r\n${extra}Content-Length: 0\r\n\r\n`;
          replies.push(`${Buffer.byteLength(reply)}#${reply}`);
        }
      }
      if (replies.length) sock.write(replies.join(''));
    });
  });
}

/** Sends `total` requests with `window` in flight; resolves when all are answered. */
function load(udp: UdpSocket, sipPort: number, method: string, total: number, window: number, seq: { n: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    const localPort = udp.address().port;
    const timer = setTimeout(() => reject(new Error(`only ${answered}/${total} answered`)), 120_000);
    const sendOne = (): void => {
      const n = seq.n++;
      sent++;
      const user = `u${n % 10000}`;
      const ruri = method === 'REGISTER' ? 'sip:example.com' : `sip:svc@127.0.0.1:${sipPort}`;
      const msg = `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK-${n}-hp\r\n`
        + `From: <sip:${user}@example.com>;tag=${n}tag\r\nTo: <sip:${method === 'REGISTER' ? user + '@example.com' : 'svc@127.0.0.1'}>\r\n`
        + `Call-ID: ${n}-hotpath@127.0.0.1\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\n`
        + (method === 'REGISTER' ? `Contact: <sip:${user}@127.0.0.1:${localPort}>\r\nExpires: 3600\r\n` : '')
        + 'Content-Length: 0\r\n\r\n';
      udp.send(msg, sipPort, '127.0.0.1');
    };
    udp.removeAllListeners('message');
    udp.on('message', (m: Buffer) => {
      if (m.toString('latin1', 0, 12) !== 'SIP/2.0 200 ') return;
      answered++;
      if (answered >= total) { clearTimeout(timer); resolve(); return; }
      if (sent < total) sendOne();
    });
    for (let i = 0; i < Math.min(window, total); i++) sendOne();
  });
}

async function measureOnce(exe: string, o: Options): Promise<RoundResult> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  const secret = 'hot-path';
  const viaNode = o.gc || o.nodeArgs.length > 0;
  const launcher = viaNode ? [process.execPath, ...(o.gc ? ['--trace-gc'] : []), ...o.nodeArgs, path.resolve(exe)] : [path.resolve(exe)];
  const child: ChildProcess = spawn('taskset', ['-c', o.cpu, ...launcher, '--contact', `sip:127.0.0.1:${sipPort};transport=udp`,
    '--port', String(adminPort), '--address', '127.0.0.1', '--secret', secret, '--loglevel', 'error', ...o.extra],
  { stdio: ['ignore', o.gc ? 'pipe' : 'ignore', 'ignore'] });
  const gcLines: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    gcLines.push(...parts);
  });
  const udp = createSocket('udp4');
  let app: Socket | undefined;
  try {
    await waitForPort(adminPort, 't1', 20000, () => child.exitCode !== null);
    app = await startApp(adminPort, secret, o.method.toLowerCase());
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const seq = { n: 1 };
    await load(udp, sipPort, o.method, Math.ceil(o.requests / 4), o.window, seq); // warm-up (JIT)
    const pid = child.pid as number;
    await new Promise((r) => setTimeout(r, 50)); // the warm-up's GC lines arrive
    const gcFrom = gcLines.length;
    const before = cpuMicros(pid) ?? NaN;
    await load(udp, sipPort, o.method, o.requests, o.window, seq);
    const after = cpuMicros(pid) ?? NaN;
    const mem = memoryMiB(pid);
    const result: RoundResult = { us: (after - before) / o.requests, rssMiB: mem.rss, peakMiB: mem.peak };
    if (o.gc) {
      await new Promise((r) => setTimeout(r, 50));
      const gc = gcFigures(gcLines.slice(gcFrom));
      result.gcCount = gc.count;
      result.gcMs = gc.ms;
      result.liveHeapMiB = gcFigures(gcLines).liveHeapMiB;
    }
    return result;
  } finally {
    udp.close();
    app?.destroy();
    child.kill('SIGTERM');
    await new Promise<void>((r) => { if (child.exitCode !== null) r(); else child.once('exit', () => r()); });
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const results = new Map<string, RoundResult[]>(o.sipds.map((s) => [s, []]));
  const memText = (x: RoundResult): string => `RSS ${x.rssMiB.toFixed(0)} MiB (peak ${x.peakMiB.toFixed(0)})`
    + (x.gcCount === undefined ? '' : `, GC ${x.gcCount}× ${(x.gcMs ?? 0).toFixed(0)} ms, live heap ≤ ${(x.liveHeapMiB ?? 0).toFixed(1)} MiB`);
  for (let r = 1; r <= o.rounds; r++) {
    for (const exe of o.sipds) {
      const res = await measureOnce(exe, o);
      results.get(exe)?.push(res);
      console.log(`round ${r} ${exe} ${o.method}: ${res.us.toFixed(1)} µs/request, ${memText(res)}`);
    }
  }
  for (const [exe, list] of results) {
    const med = (f: (x: RoundResult) => number | undefined): number => median(list.map((x) => f(x) ?? 0));
    const summary: RoundResult = { us: med((x) => x.us), rssMiB: med((x) => x.rssMiB), peakMiB: med((x) => x.peakMiB) };
    if (o.gc) { summary.gcCount = med((x) => x.gcCount); summary.gcMs = med((x) => x.gcMs); summary.liveHeapMiB = med((x) => x.liveHeapMiB); }
    console.log(`median ${exe} ${o.method}: ${summary.us.toFixed(1)} µs/request (${list.map((v) => v.us.toFixed(1)).join(', ')}), ${memText(summary)}`);
  }
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });

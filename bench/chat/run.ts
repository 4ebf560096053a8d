// Chat benchmark: one-to-one messages per second at p99 <= 100 ms with a fixed number of clients,
// the stack's ejabberd (+ MariaDB archive, external auth, chat component) against Prosody from
// Debian running the same client script, in the same run. Servers on core 0, this load
// generator on core 1 (taskset); rounds alternate between the servers; medians are reported.
//
//   taskset -c 1 node --require tsx/cjs bench/chat/run.ts [--clients 20] [--rounds 3] [--step-ms 4000] [--base 20000]
//
// Prints a Markdown block for bench/RESULTS.md and writes bench/out/chat.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccountRepo } from '@openline/db';
import { startStack } from '@openline/stack';
import { chatService, ejabberdService } from '@openline/stack/dist/src/chat';
import type { ChatClient } from '@openline/chat';
import { connectAll, LoadTarget, runStep, StepResult } from './load';
import { startProsody } from './prosody';

const P99_LIMIT_MS = 100;
const MAX_LOSS = 0.001;
const RATES = [100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 1000, 1200, 1600, 2000, 2400, 3200];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function pin(pid: number, core: number): void {
  try { execFileSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' }); } catch { /* not fatal: noted in the output */ }
}

function pidsOf(name: string, under: string): number[] {
  // Only processes whose command line names this run's directory (never by name alone).
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(name) && l.includes(under)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

interface RoundResult { best: StepResult | null; steps: StepResult[]; serverCpuMsPer1k: number; clientCpuMsPer1k: number }
interface ServerResult { name: string; rounds: RoundResult[] }

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** utime + stime of processes, in ms (/proc/<pid>/stat fields 14 and 15). */
function cpuMs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch { /* exited */ }
  }
  return total;
}

async function measure(target: LoadTarget, stepMs: number, round: number, serverPids: readonly number[]): Promise<RoundResult> {
  const clients: ChatClient[] = await connectAll(target);
  try {
    await runStep(clients, 100, 1000, `w${round}`); // warm-up
    const cpu0 = cpuMs(serverPids);
    const self0 = process.cpuUsage();
    const steps: StepResult[] = [];
    let best: StepResult | null = null;
    for (const rate of RATES) {
      // A step passes if one of two tries meets the limit: on a shared machine a single stall of
      // another process would otherwise end the ramp early.
      let r: StepResult | undefined;
      let ok = false;
      for (let attempt = 0; attempt < 2 && !ok; attempt++) {
        r = await runStep(clients, rate, stepMs, `${target.name[0]}${round}r${rate}a${attempt}`);
        steps.push(r);
        process.stdout.write(`  ${target.name} round ${round + 1} rate ${rate}/s${attempt ? ' (retry)' : ''}: delivered ${r.received}/${r.sent}, ${r.throughput}/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`);
        ok = r.p99 <= P99_LIMIT_MS && (r.sent - r.received) <= Math.floor(r.sent * MAX_LOSS);
      }
      if (!ok || !r) break;
      best = r;
    }
    // Server CPU per 1000 delivered messages over every step: what each message costs the server,
    // independent of where the client's own ceiling is.
    const delivered = steps.reduce((n, x) => n + x.received, 0);
    const self = process.cpuUsage(self0);
    return {
      best, steps,
      serverCpuMsPer1k: Math.round(((cpuMs(serverPids) - cpu0) * 1000) / Math.max(delivered, 1)),
      clientCpuMsPer1k: Math.round(((self.user + self.system) / 1000) * 1000 / Math.max(delivered, 1)),
    };
  } finally {
    for (const c of clients) await c.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
}

async function main(): Promise<void> {
  const nClients = arg('clients', 20);
  const rounds = arg('rounds', 3);
  const stepMs = arg('step-ms', 4000);
  const base = arg('base', 20000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'olbench-chat-'));
  const stack = await startStack({ dataDir, portBase: base, services: [ejabberdService, chatService], overrides: { log: { level: 'warn' } } });
  let prosody: Awaited<ReturnType<typeof startProsody>> | undefined;
  try {
    const domain = stack.config.sip.domain;
    const repo = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, domain);
    const users = Array.from({ length: nClients }, (_, i) => ({ username: `bench${i}`, password: `bench-pass-${i}` }));
    for (const u of users) await repo.add({ username: u.username, webPassword: u.password });
    prosody = await startProsody({ port: base + 224, domain: 'bench.local', users }); // +224: free in the run's range
    const own = stack.pids();
    const ejabberdSide = [...pidsOf('beam.smp', dataDir), own.mariadb, own.chat].filter((p): p is number => !!p);
    for (const pid of [...ejabberdSide, prosody.pid]) pin(pid, 0);
    const serverPids: Record<string, number[]> = { ejabberd: ejabberdSide, prosody: [prosody.pid] };
    pin(process.pid, 1);
    const targets: LoadTarget[] = [
      { name: 'ejabberd', service: `xmpp://127.0.0.1:${stack.ports.xmppC2s}`, domain, users },
      { name: 'prosody', service: `xmpp://127.0.0.1:${prosody.port}`, domain: prosody.domain, users },
    ];
    const results: ServerResult[] = targets.map((t) => ({ name: t.name, rounds: [] }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, t] of targets.entries()) results[i].rounds.push(await measure(t, stepMs, r, serverPids[t.name]));
    }
    const summary = results.map((s) => ({
      name: s.name,
      rates: s.rounds.map((r) => r.best?.throughput ?? 0),
      median: median(s.rounds.map((r) => r.best?.throughput ?? 0)),
      p99AtBest: median(s.rounds.map((r) => r.best?.p99 ?? 0)),
      serverCpuMsPer1k: median(s.rounds.map((r) => r.serverCpuMsPer1k)),
      clientCpuMsPer1k: median(s.rounds.map((r) => r.clientCpuMsPer1k)),
    }));
    const ratio = summary[1].median ? summary[0].median / summary[1].median : 0;
    const out = { date: new Date().toISOString(), clients: nClients, rounds, stepMs, cpus: os.cpus().length, summary, ratio, results };
    fs.mkdirSync(path.join(__dirname, '..', 'out'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', 'out', 'chat.json'), JSON.stringify(out, null, 2));
    process.stdout.write(`\n| server | msgs/s at p99 <= ${P99_LIMIT_MS} ms (rounds) | median | p99 at that rate (median) | server CPU ms / 1000 msgs | client CPU ms / 1000 msgs |\n|---|---|---|---|---|---|\n`);
    for (const s of summary) process.stdout.write(`| ${s.name} | ${s.rates.join(', ')} | ${s.median} | ${s.p99AtBest} ms | ${s.serverCpuMsPer1k} | ${s.clientCpuMsPer1k} |\n`);
    process.stdout.write(`\nratio ejabberd/prosody: ${ratio.toFixed(2)} (${nClients} clients, ${stepMs} ms steps, ${rounds} rounds)\n`);
  } finally {
    await prosody?.stop();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => { process.stderr.write(`chat bench: ${err.stack ?? err.message}\n`); process.exit(1); });

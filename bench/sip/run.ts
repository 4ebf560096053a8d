// SIP benchmark: OPTIONS/s and REGISTER/s against Kamailio (reference) and sipd + srf app.
// Run: npx tsx bench/sip/run.ts [options]   (also `make bench` through bench/run.ts)
//   --rounds N          alternating rounds (default 3: kamailio, sipd, kamailio, sipd, ...)
//   --duration S        seconds per scenario per round (default 10)
//   --limit N           SIPp -l, requests in flight (default 200)
//   --scenarios a,b     options,register (default both)
//   --targets a,b       kamailio,sipd (default both)
//   --server-cpu C      core for the whole server side (default 0); --client-cpu C for SIPp (default 1)
//   --kamailio-children N   Kamailio UDP workers (default 2, see bench/RESULTS.md)
//   --sipd-cmd "..."    sipd command; {SIP_PORT} {ADMIN_PORT} {SECRET} are filled in
//                       (default: env OPENLINE_SIPD_CMD or DEFAULT_SIPD_CMD)
//   --app-cmd "..."     srf app command ({ADMIN_PORT} {SECRET}); default node + tsx in-process
//   --results FILE      Markdown to update (default bench/RESULTS.md); --no-write to only print
//   --from-json FILE    no measuring: re-render the results block from a saved bench/out/*.json
// Every target that cannot run is reported as "not measured: <reason>", never skipped silently.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SIPD_CMD, findRepoRoot, startKamailioTarget, startSipdTarget, type StartOutcome,
  type TargetConfig, type TargetName } from './targets';
import { measure, type LoadConfig, type Measurement, type ScenarioName } from './measure';
import { machineDescription, renderMarkdown, writeResults, type RunInfo } from './report';
import { median } from './procstat';

interface Options {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  limit: number;
  scenarios: ScenarioName[];
  targets: TargetName[];
  serverCpu: string;
  clientCpu: string;
  kamailioChildren: number;
  sipdCmd: string;
  appCmd?: string;
  results: string;
  write: boolean;
}

function parseArgs(argv: string[], repoRoot: string): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const v = get(name);
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be within ${min}..${max}`);
    return n;
  };
  const list = <T extends string>(name: string, allowed: readonly T[]): T[] => {
    const v = get(name);
    const items = (v ? v.split(',') : [...allowed]) as T[];
    for (const it of items) if (!allowed.includes(it)) throw new Error(`--${name}: unknown ${it}`);
    return items;
  };
  return {
    rounds: num('rounds', 3, 1, 20),
    durationSec: num('duration', 10, 2, 300),
    warmupSec: num('warmup', 2, 0, 60),
    limit: num('limit', 200, 1, 20000),
    scenarios: list('scenarios', ['options', 'register'] as const),
    targets: list('targets', ['kamailio', 'sipd'] as const),
    serverCpu: get('server-cpu') ?? '0',
    clientCpu: get('client-cpu') ?? '1',
    kamailioChildren: num('kamailio-children', 2, 1, 32),
    sipdCmd: get('sipd-cmd') ?? process.env.OPENLINE_SIPD_CMD ?? DEFAULT_SIPD_CMD,
    appCmd: get('app-cmd'),
    results: path.resolve(get('results') ?? path.join(repoRoot, 'bench', 'RESULTS.md')),
    write: !argv.includes('--no-write'),
  };
}

export async function main(argv: string[]): Promise<number> {
  const repoRoot = findRepoRoot(__dirname);
  const o = parseArgs(argv, repoRoot);
  const fromJson = argv.includes('--from-json') ? argv[argv.indexOf('--from-json') + 1] : undefined;
  if (fromJson) {
    const saved = JSON.parse(readFileSync(fromJson, 'utf8')) as { info: RunInfo; ms: Measurement[] };
    const block = renderMarkdown(saved.info, saved.ms, o.scenarios, o.targets);
    if (o.write) writeResults(o.results, block); else console.log(block);
    return 0;
  }
  const cfg: TargetConfig = {
    repoRoot, serverCpu: o.serverCpu, kamailioChildren: o.kamailioChildren, sipdCmd: o.sipdCmd,
    appCmd: o.appCmd, secret: 'bench-secret',
  };
  const load: LoadConfig = {
    durationSec: o.durationSec, rampSec: 1, limit: o.limit, clientCpu: o.clientCpu, users: 10000,
    // SIPp's 10 ms default timer and 1000-message loops cap a closed loop well below one
    // Kamailio core; finer timers and bigger loops keep the load generator out of the way.
    sippExtra: ['-timer_resol', '1', '-max_recv_loops', '10000', '-max_sched_loops', '10000'],
  };
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), machine: machineDescription(), rounds: o.rounds,
    durationSec: o.durationSec, limit: o.limit, serverCpu: o.serverCpu, clientCpu: o.clientCpu,
    kamailioChildren: o.kamailioChildren, commands: {}, notMeasured: [],
  };
  const ms: Measurement[] = [];
  console.log(`SIP bench: ${o.rounds} rounds x ${o.targets.join(',')} x ${o.scenarios.join(',')}, ${o.durationSec} s each, -l ${o.limit}`);
  for (let round = 1; round <= o.rounds; round++) {
    for (const t of o.targets) {
      const started: StartOutcome = t === 'kamailio'
        ? await startKamailioTarget(cfg, o.clientCpu)
        : await startSipdTarget(cfg, o.clientCpu);
      if (!started.ok) {
        console.log(`round ${round} ${t}: not measured: ${started.reason}`);
        info.notMeasured.push({ target: t, round, reason: started.reason });
        continue;
      }
      const target = started.target;
      info.commands[t] = target.commands;
      try {
        for (const sc of o.scenarios) {
          if (o.warmupSec > 0) await measure(target, sc, round, load, o.warmupSec); // discarded
          const m = await measure(target, sc, round, load);
          ms.push(m);
          const cpu = Object.entries(m.cpuUsPerRequest).map(([g, v]) => `${g} ${v.toFixed(1)} µs/req`).join(', ');
          console.log(`round ${round} ${t} ${sc}: ${m.rate.toFixed(0)} req/s ok=${m.successful} failed=${m.failed} `
            + `retrans=${m.retransmissions} ${cpu} sipp-core=${(m.sippCpuShare * 100).toFixed(0)}% `
            + `socket-drops=${m.serverSocketDrops}/${m.sippSocketDrops} host-rcvbuf-drops=${m.udpRcvbufErrors}${m.note ? ` (${m.note})` : ''}`);
        }
      } finally {
        await target.stop();
      }
    }
  }
  for (const sc of o.scenarios) {
    const k = median(ms.filter((m) => m.target === 'kamailio' && m.scenario === sc).map((m) => m.rate));
    const s = median(ms.filter((m) => m.target === 'sipd' && m.scenario === sc).map((m) => m.rate));
    console.log(`${sc}: kamailio median ${Number.isFinite(k) ? `${k.toFixed(0)} req/s` : 'not measured'}, `
      + `sipd median ${Number.isFinite(s) ? `${s.toFixed(0)} req/s` : 'not measured'}`
      + (Number.isFinite(k) && Number.isFinite(s) ? `, ratio ${(s / k).toFixed(3)}` : ''));
  }
  const block = renderMarkdown(info, ms, o.scenarios, o.targets);
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, `sip-${info.date.replace(/[:]/g, '')}.json`), JSON.stringify({ info, ms }, null, 2));
  if (o.write) {
    writeResults(o.results, block);
    console.log(`updated ${o.results}`);
  } else {
    console.log(block);
  }
  // Exit code 0 when every requested target produced numbers for every scenario.
  const complete = o.targets.every((t) => o.scenarios.every((sc) => ms.some((m) => m.target === t && m.scenario === sc)));
  return complete ? 0 : 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (e: unknown) => { console.error(e); process.exitCode = 1; });
}

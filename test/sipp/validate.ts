// Validates every SIPp scenario in test/sipp/ against a known-good peer before sipd exists:
// SIPp UAC <-> SIPp UAS directly, and through Debian's Kamailio as proxy/registrar.
// Run: npx tsx test/sipp/validate.ts [--only SUBSTRING] [--calls N]
// Exit code 0 when every case passed. Loopback only; every process is stopped by its PID.
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runSipp, sippUas, freePort, describeSippResult, SIPP_SCENARIO_DIR, type SippOptions,
  type SippResult, type SippTransport } from '../support/sipp';
import { startKamailio, type KamailioHandle } from './kamailio';

interface Case {
  name: string;
  uac: string;
  uas?: string;
  /** 'direct' = UAC to UAS; 'proxy' = via Kamailio (-rsa); 'server' = Kamailio answers itself. */
  path: 'direct' | 'proxy' | 'server' | 'server-auth';
  transport?: SippTransport;
  calls?: number;
  uacExtra?: Partial<SippOptions>;
  uasExtra?: Partial<SippOptions>;
  /** Accept this many failed calls (packet-loss runs); default 0. */
  maxFailed?: number;
  /** Check RTP flowed both ways on the UAS media port (tcpdump on lo). */
  rtpCheck?: boolean;
}

const PCAP = '/usr/share/sip-tester/g711a.pcap';
const users = path.join(SIPP_SCENARIO_DIR, 'users.csv');
const usersAuth = path.join(SIPP_SCENARIO_DIR, 'users-auth.csv');

const CASES: Case[] = [
  { name: 'call direct udp', uac: 'uac-call.xml', uas: 'uas-answer.xml', path: 'direct' },
  { name: 'call direct tcp', uac: 'uac-call.xml', uas: 'uas-answer.xml', path: 'direct', transport: 't1' },
  { name: 'hold direct (uas-answer)', uac: 'uac-reinvite-hold.xml', uas: 'uas-answer.xml', path: 'direct' },
  { name: 'hold direct (strict)', uac: 'uac-reinvite-hold.xml', uas: 'uas-reinvite-hold.xml', path: 'direct' },
  { name: 'info direct (uas-answer)', uac: 'uac-info.xml', uas: 'uas-answer.xml', path: 'direct' },
  { name: 'info direct (strict)', uac: 'uac-info.xml', uas: 'uas-info.xml', path: 'direct' },
  { name: 'busy direct', uac: 'uac-call-busy.xml', uas: 'uas-busy.xml', path: 'direct' },
  { name: 'cancel direct', uac: 'uac-call-cancel.xml', uas: 'uas-ring-noanswer.xml', path: 'direct' },
  { name: 'callee hangs up direct', uac: 'uac-call-remote-bye.xml', uas: 'uas-bye-first.xml', path: 'direct' },
  { name: 'call with RTP echo direct', uac: 'uac-call-rtp.xml', uas: 'uas-answer.xml', path: 'direct', calls: 1,
    uacExtra: { keys: { pcap: PCAP }, pauseMs: 2500 }, uasExtra: { rtpEcho: true }, rtpCheck: true },
  { name: 'call direct udp, 10% loss at the UAC', uac: 'uac-call.xml', uas: 'uas-answer.xml', path: 'direct', calls: 20,
    uacExtra: { lostPercent: 10, pauseMs: 1000, rate: 10 }, maxFailed: 4 },
  { name: 'options direct (uas-options)', uac: 'uac-options.xml', uas: 'uas-options.xml', path: 'direct', calls: 1 },
  { name: 'call direct udp, 10% loss both sides (uas-answer-lossy)', uac: 'uac-call.xml', uas: 'uas-answer-lossy.xml',
    path: 'direct', calls: 20, uacExtra: { lostPercent: 10, pauseMs: 1000, rate: 10 }, uasExtra: { lostPercent: 10 },
    maxFailed: 4 },
  { name: 'options to kamailio', uac: 'uac-options.xml', path: 'server', calls: 20 },
  { name: 'options to kamailio tcp', uac: 'uac-options.xml', path: 'server', calls: 20, transport: 't1' },
  { name: 'register to kamailio (injection)', uac: 'uac-register.xml', path: 'server', calls: 20,
    uacExtra: { injectionFiles: [users] } },
  { name: 'register with digest auth to kamailio', uac: 'uac-register-auth.xml', path: 'server-auth', calls: 10,
    uacExtra: { injectionFiles: [usersAuth] } },
  { name: 'call via kamailio', uac: 'uac-call.xml', uas: 'uas-answer.xml', path: 'proxy' },
  { name: 'hold via kamailio', uac: 'uac-reinvite-hold.xml', uas: 'uas-reinvite-hold.xml', path: 'proxy' },
  { name: 'info via kamailio', uac: 'uac-info.xml', uas: 'uas-info.xml', path: 'proxy' },
  { name: 'busy via kamailio', uac: 'uac-call-busy.xml', uas: 'uas-busy.xml', path: 'proxy' },
  { name: 'cancel via kamailio', uac: 'uac-call-cancel.xml', uas: 'uas-ring-noanswer.xml', path: 'proxy' },
  { name: 'callee hangs up via kamailio', uac: 'uac-call-remote-bye.xml', uas: 'uas-bye-first.xml', path: 'proxy' },
];

interface Outcome { name: string; pass: boolean; detail: string }

/** Count UDP packets to and from a port in a capture file (tcpdump -r), bounded by timeout. */
function countRtp(pcapFile: string, port: number): Promise<{ toPort: number; fromPort: number }> {
  return new Promise((resolve) => {
    const p = spawn('timeout', ['20', 'tcpdump', '-nn', '-r', pcapFile, 'udp'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    p.on('exit', () => {
      let toPort = 0;
      let fromPort = 0;
      for (const line of out.split('\n')) {
        const m = /IP [\d.]+\.(\d+) > [\d.]+\.(\d+):/.exec(line);
        if (!m) continue;
        if (Number(m[2]) === port) toPort++;
        if (Number(m[1]) === port) fromPort++;
      }
      resolve({ toPort, fromPort });
    });
  });
}

async function runCase(c: Case, kam: { port: number; authPort: number }, defaultCalls: number): Promise<Outcome> {
  const transport = c.transport ?? 'u1';
  const calls = c.calls ?? defaultCalls;
  let uas: Awaited<ReturnType<typeof sippUas>> | undefined;
  let capture: { pid: number; file: string; exited: Promise<void> } | undefined;
  try {
    let remote: string;
    let outboundProxy: string | undefined;
    if (c.uas) {
      const mediaPort = await freePort();
      uas = await sippUas({ scenario: c.uas, transport, mediaPort, pauseMs: 100, timeoutSec: 90, ...c.uasExtra });
      remote = `127.0.0.1:${uas.localPort}`;
      if (c.path === 'proxy') outboundProxy = `127.0.0.1:${kam.port}`;
      if (c.rtpCheck) {
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'rtpcap-')), 'rtp.pcap');
        const p = spawn('timeout', ['60', 'tcpdump', '-i', 'lo', '-nn', '-U', '-w', file, 'udp', 'port', String(mediaPort)],
          { stdio: 'ignore' });
        const exited = new Promise<void>((r) => p.once('exit', () => r()));
        capture = { pid: p.pid as number, file, exited };
        await new Promise((r) => setTimeout(r, 1000)); // tcpdump needs a moment to attach
      }
    } else {
      remote = `127.0.0.1:${c.path === 'server-auth' ? kam.authPort : kam.port}`;
    }
    const r: SippResult = await runSipp({
      scenario: c.uac, remote, outboundProxy, transport, calls, rate: 20, pauseMs: 100,
      mediaPort: await freePort(), timeoutSec: 60, ...c.uacExtra,
    });
    const uasResult = uas ? await uas.stop() : undefined;
    uas = undefined;
    const maxFailed = c.maxFailed ?? 0;
    const problems: string[] = [];
    if (r.timedOut) problems.push('UAC timed out');
    if (r.successful + r.failed !== calls) problems.push(`UAC finished ${r.successful + r.failed}/${calls} calls`);
    if (r.failed > maxFailed) problems.push(`UAC failed ${r.failed}`);
    if (r.successful === 0) problems.push('no successful call');
    if (uasResult) {
      // Under loss, the UAS may see fewer or aborted calls; otherwise it must mirror the UAC.
      // Direct over TCP the UAC exits (closing the connection) while the UAS's last call still
      // lingers in <timewait>: SIPp counts that as FailedTcpClosed, an artifact of the direct pair.
      const tcpClosed = transport.startsWith('t') && c.path === 'direct'
        ? Number(uasResult.stats['FailedTcpClosed(C)'] ?? 0) : 0;
      if (maxFailed === 0 && (uasResult.successful + tcpClosed !== calls || uasResult.failed - tcpClosed !== 0 || tcpClosed > 1)) {
        problems.push(`UAS ok=${uasResult.successful} failed=${uasResult.failed}`);
      }
    }
    let rtp = '';
    if (capture) {
      await new Promise((res) => setTimeout(res, 500));
      try { process.kill(capture.pid, 'SIGTERM'); } catch { /* gone */ }
      await capture.exited;
      const port = Number(uasResult?.args[uasResult.args.indexOf('-mp') + 1]);
      const n = await countRtp(capture.file, port);
      rtp = ` rtp to-uas=${n.toPort} echoed=${n.fromPort}`;
      if (n.toPort < 50 || n.fromPort < n.toPort * 0.9) problems.push(`RTP echo too small:${rtp}`);
      capture = undefined;
    }
    const detail = `uac: ${describeSippResult(r).split('\n')[0]}`
      + (uasResult ? ` | uas: ok=${uasResult.successful} failed=${uasResult.failed} retrans=${uasResult.retransmissions} dir=${uasResult.outDir}` : '')
      + rtp + (problems.length ? ` | PROBLEMS: ${problems.join('; ')}` : '')
      + (problems.length && r.errors ? `\n${r.errors.slice(-1500)}` : '');
    return { name: c.name, pass: problems.length === 0, detail };
  } finally {
    if (uas) await uas.stop(500);
    if (capture) { try { process.kill(capture.pid, 'SIGTERM'); } catch { /* gone */ } }
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const defaultCalls = argv.includes('--calls') ? Number(argv[argv.indexOf('--calls') + 1]) : 5;
  const cases = CASES.filter((c) => !only || c.name.includes(only) || c.uac.includes(only) || c.uas?.includes(only));
  const port = await freePort();
  const authPort = await freePort();
  let kam: KamailioHandle | undefined;
  const outcomes: Outcome[] = [];
  try {
    kam = await startKamailio({
      template: path.join(SIPP_SCENARIO_DIR, 'kamailio', 'proxy.cfg.tmpl'),
      vars: { PORT: port, AUTH_PORT: authPort }, readyPort: port,
    });
    for (const c of cases) {
      const started = Date.now();
      let o: Outcome;
      try {
        o = await runCase(c, { port, authPort }, defaultCalls);
      } catch (e) {
        o = { name: c.name, pass: false, detail: `error: ${(e as Error).message}` };
      }
      outcomes.push(o);
      console.log(`${o.pass ? 'PASS' : 'FAIL'} ${c.name} (${c.uac}${c.uas ? ` <-> ${c.uas}` : ''}, ${c.path}, `
        + `${((Date.now() - started) / 1000).toFixed(1)} s)\n     ${o.detail}`);
    }
  } finally {
    if (kam) await kam.stop();
  }
  const failed = outcomes.filter((o) => !o.pass).length;
  console.log(`\n${outcomes.length - failed} passed, ${failed} failed`);
  return failed === 0 && outcomes.length > 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => { console.error(e); process.exitCode = 1; });

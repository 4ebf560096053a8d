// Push-call latencies (issue 7): INVITE → call push received at the APNs stand-in, and REGISTER of
// the woken phone → the held INVITE forwarded to it. Server side in this process and its children
// (sipd, registrar, B2BUA with the push-call server, the real dispatcher, the APNs stand-in,
// MariaDB, Redis, rtpengine) pinned to the server core; the caller and the phone (client.ts) in a
// child pinned to the client core. Calls one at a time; per round p50/p99; medians of the rounds.
// Run: npx tsx bench/push/run.ts [--rounds N] [--calls N] [--warmup N] [--server-cpu C] [--client-cpu C]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { account } from '../../test/b2bua/support/harness';
import { getSharedStack, stopSharedStack } from '../../test/support/stack';
import { newDevice, sleepingDevice, startProviders, startPushNode } from '../../test/push/call-support';
import type { ClientConfig, FromClient, ToClient } from './client';

const DOMAIN = 'bench.push.test';

function arg(name: string, d: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? d : d;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const median = (xs: number[]): number => pct(xs, 50);

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '3'));
  const calls = Number(arg('calls', '100'));
  const warmup = Number(arg('warmup', '10'));
  const serverCpu = arg('server-cpu', '0');
  const clientCpu = arg('client-cpu', '1');
  // Pin this process (every thread); the stack and nodes started below inherit the mask.
  execFileSync('taskset', ['-a', '-p', '-c', serverCpu, String(process.pid)], { stdio: 'ignore' });
  const stack = await getSharedStack();
  const prov = await startProviders(stack);
  const pn = await startPushNode(stack, prov.sender, { waitSeconds: 20 });
  const alice = await account(stack, DOMAIN);
  const bob = await account(stack, DOMAIN);
  const d = newDevice('apns', prov.param.apns);
  await sleepingDevice(stack, bob, d);
  const cfg: ClientConfig = {
    sipPort: pn.node.sipPort, domain: DOMAIN, caller: { user: alice.user, password: alice.password },
    phone: { user: bob.user, password: bob.password, instance: d.instance, prid: d.prid, param: d.param },
  };
  const client: ChildProcess = spawn('taskset', ['-c', clientCpu, process.execPath, '--require', require.resolve('tsx/cjs'), path.join(__dirname, 'client.ts'), JSON.stringify(cfg)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: FromClient[] = [];
  let wakeup: (() => void) | undefined;
  client.on('message', (m: FromClient) => { inbox.push(m); wakeup?.(); });
  const next = async <T extends FromClient['type']>(type: T, timeoutMs = 60_000): Promise<Extract<FromClient, { type: T }>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<FromClient, { type: T }>;
      if (Date.now() > deadline) throw new Error(`client: no ${type}; got ${JSON.stringify(inbox)}`);
      await new Promise<void>((r) => { wakeup = r; setTimeout(r, 200); });
    }
  };
  const tell = (m: ToClient): void => { client.send(m); };
  await next('ready');
  const results: Array<{ round: number; inviteToPush: number[]; registerToInvite: number[]; registerTo200: number[]; okToInvite: number[]; failed: number }> = [];
  let n = 0;
  try {
    for (let round = warmup > 0 ? 0 : 1; round <= rounds; round++) {
      const r = { round, inviteToPush: [] as number[], registerToInvite: [] as number[], registerTo200: [] as number[], okToInvite: [] as number[], failed: 0 };
      // Round 0 warms up (JIT, connections, rtpengine) and is not counted.
      for (let i = 0; i < (round === 0 ? warmup : calls); i++) {
        n++;
        // The phone is asleep again: no binding (its devices row keeps the push parameters).
        await pn.node.location.save({ aor: bob.aor, upserts: [], removeKeys: [], removeAll: true, callId: `bench-clear-${n}`, cseq: 1, maxBindings: 10, now: Date.now() });
        tell({ type: 'call', n });
        const sent = await next('invite-sent');
        const push = await prov.apns.waitFor((p) => p.token === d.prid && p.payload?.kind === 'call' && p.payload.callId === sent.callId, 20_000);
        r.inviteToPush.push(push.at - sent.at);
        tell({ type: 'wake', n });
        const done = await next('done');
        if (done.status !== 200 || done.registerToInviteMs < 0) { r.failed++; continue; }
        r.registerToInvite.push(done.registerToInviteMs);
        if (done.registerTo200Ms !== undefined) {
          r.registerTo200.push(done.registerTo200Ms);
          r.okToInvite.push(done.registerToInviteMs - done.registerTo200Ms);
        }
      }
      if (round === 0) continue;
      results.push(r);
      process.stdout.write(`round ${round}: INVITE→push p50 ${median(r.inviteToPush).toFixed(1)} p99 ${pct(r.inviteToPush, 99).toFixed(1)} ms; `
        + `REGISTER→INVITE p50 ${median(r.registerToInvite).toFixed(1)} p99 ${pct(r.registerToInvite, 99).toFixed(1)} ms; `
        + `(REGISTER→200 p50 ${median(r.registerTo200).toFixed(1)} p99 ${pct(r.registerTo200, 99).toFixed(1)} ms); failed ${r.failed}\n`);
    }
  } finally {
    tell({ type: 'stop' });
    await pn.stop();
    await prov.close();
    await stopSharedStack();
  }
  const m = (f: (r: (typeof results)[number]) => number): string => median(results.map(f)).toFixed(1);
  process.stdout.write(`\n| measure | median p50 (ms) | median p99 (ms) | worst round p99 (ms) | target |\n|---|---|---|---|---|\n`
    + `| INVITE → call push received at the APNs stand-in | ${m((r) => median(r.inviteToPush))} | ${m((r) => pct(r.inviteToPush, 99))} | ${Math.max(...results.map((r) => pct(r.inviteToPush, 99))).toFixed(1)} | ≤ 50 |\n`
    + `| REGISTER (authenticated) → INVITE at the phone | ${m((r) => median(r.registerToInvite))} | ${m((r) => pct(r.registerToInvite, 99))} | ${Math.max(...results.map((r) => pct(r.registerToInvite, 99))).toFixed(1)} | ≤ 10 |\n`
    + `| (reference) REGISTER (authenticated) → its 200 at the phone | ${m((r) => median(r.registerTo200))} | ${m((r) => pct(r.registerTo200, 99))} | ${Math.max(...results.map((r) => pct(r.registerTo200, 99))).toFixed(1)} | |\n`
    + `| (decomposition) the REGISTER's 200 at the phone → the INVITE at the phone, per call | ${m((r) => median(r.okToInvite))} | ${m((r) => pct(r.okToInvite, 99))} | ${Math.max(...results.map((r) => pct(r.okToInvite, 99))).toFixed(1)} | |\n`
    + `\n${rounds} rounds × ${calls} calls; failed calls: ${results.map((r) => r.failed).join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/push: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

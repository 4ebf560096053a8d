// Push-call latencies (issue 7): INVITE → call push received at the APNs stand-in, and REGISTER of
// the woken phone → the held INVITE forwarded to it. Server side in this process and its children
// (sipd, registrar, B2BUA with the push-call server, the real dispatcher, the APNs stand-in,
// MariaDB, Redis, rtpengine) pinned to the server core; the caller and the phone (client.ts) in a
// child pinned to the client core. Calls one at a time; per round p50/p99; medians of the rounds.
// Run: npx tsx bench/push/run.ts [--rounds N] [--calls N] [--warmup N] [--server-cpu C] [--client-cpu C]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MediaEndpoint } from '@openline/media';
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
/** Wall clock with sub-ms resolution, the same as the client's (one machine). */
const now = (): number => performance.timeOrigin + performance.now();

/** Where the woken phone's REGISTER → INVITE goes, per call (one clock; see bench/RESULTS.md). */
interface Stages {
  /** REGISTER sent by the phone → the binding event dispatched in the B2BUA process (registrar, Redis pub/sub, parse). */
  registerToEvent: number[];
  /** Binding event → rtpengine offer for the new branch started (push server, fork). */
  eventToOffer: number[];
  /** The rtpengine offer round trip on the path (when it was made before the event: the part of it left after the event). */
  offer: number[];
  /** Offer done → INVITE at the phone (srf → sipd → UDP). */
  offerToInvite: number[];
}

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
  // Stage marks in this process: the binding event of bob's AOR, and each branch offer.
  let eventAt = 0;
  let offers: Array<{ start: number; done: number }> = [];
  pn.push.watcher.watchAll((e) => { if (e.type !== 'removed' && e.aor.includes(bob.user) && eventAt === 0) eventAt = now(); });
  const media = pn.node.app.deps.media;
  const createEndpoint = media.createEndpoint.bind(media);
  media.createEndpoint = async (id: string): Promise<MediaEndpoint> => {
    const ep = await createEndpoint(id);
    const offer = ep.offer.bind(ep);
    return Object.assign(ep, {
      offer: async (p: Parameters<MediaEndpoint['offer']>[0]): Promise<string> => {
        const mark = { start: now(), done: 0 };
        offers.push(mark);
        const sdp = await offer(p);
        mark.done = now();
        return sdp;
      },
    });
  };
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
  const results: Array<{ round: number; inviteToPush: number[]; registerToInvite: number[]; registerTo200: number[]; okToInvite: number[]; failed: number; stages: Stages }> = [];
  let n = 0;
  try {
    for (let round = warmup > 0 ? 0 : 1; round <= rounds; round++) {
      const r = { round, inviteToPush: [] as number[], registerToInvite: [] as number[], registerTo200: [] as number[], okToInvite: [] as number[], failed: 0,
        stages: { registerToEvent: [], eventToOffer: [], offer: [], offerToInvite: [] } as Stages };
      // Round 0 warms up (JIT, connections, rtpengine) and is not counted.
      for (let i = 0; i < (round === 0 ? warmup : calls); i++) {
        n++;
        // The phone is asleep again: no binding (its devices row keeps the push parameters).
        await pn.node.location.save({ aor: bob.aor, upserts: [], removeKeys: [], removeAll: true, callId: `bench-clear-${n}`, cseq: 1, maxBindings: 10, now: Date.now() });
        eventAt = 0;
        offers = [];
        tell({ type: 'call', n });
        const sent = await next('invite-sent');
        const push = await prov.apns.waitFor((p) => p.token === d.prid && p.payload?.kind === 'call' && p.payload.callId === sent.callId, 20_000);
        r.inviteToPush.push(push.at - sent.at);
        tell({ type: 'wake', n });
        const done = await next('done');
        if (done.status !== 200 || done.registerToInviteMs < 0) { r.failed++; continue; }
        r.registerToInvite.push(done.registerToInviteMs);
        // The woken branch's offer: the last one (made before the REGISTER when pre-offered).
        const o = offers[offers.length - 1];
        if (done.registerSentAt !== undefined && done.inviteAt !== undefined && eventAt > 0 && o) {
          r.stages.registerToEvent.push(eventAt - done.registerSentAt);
          // Pre-offered (started before the event): only what is left of it after the event is on the path.
          const pre = o.start < eventAt;
          const ready = o.done > 0 ? Math.max(o.done, eventAt) : eventAt;
          r.stages.eventToOffer.push(pre ? 0 : o.start - eventAt);
          r.stages.offer.push(pre ? ready - eventAt : o.done - o.start);
          r.stages.offerToInvite.push(done.inviteAt - ready);
        }
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
  const stage = (k: keyof Stages, label: string): string =>
    `| ${label} | ${m((r) => median(r.stages[k]))} | ${m((r) => pct(r.stages[k], 99))} | ${Math.max(...results.map((r) => pct(r.stages[k], 99))).toFixed(1)} | |\n`;
  process.stdout.write(`\n| measure | median p50 (ms) | median p99 (ms) | worst round p99 (ms) | target |\n|---|---|---|---|---|\n`
    + `| INVITE → call push received at the APNs stand-in | ${m((r) => median(r.inviteToPush))} | ${m((r) => pct(r.inviteToPush, 99))} | ${Math.max(...results.map((r) => pct(r.inviteToPush, 99))).toFixed(1)} | ≤ 50 |\n`
    + `| REGISTER (authenticated) → INVITE at the phone | ${m((r) => median(r.registerToInvite))} | ${m((r) => pct(r.registerToInvite, 99))} | ${Math.max(...results.map((r) => pct(r.registerToInvite, 99))).toFixed(1)} | ≤ 10 |\n`
    + `| (reference) REGISTER (authenticated) → its 200 at the phone | ${m((r) => median(r.registerTo200))} | ${m((r) => pct(r.registerTo200, 99))} | ${Math.max(...results.map((r) => pct(r.registerTo200, 99))).toFixed(1)} | |\n`
    + `| (decomposition) the REGISTER's 200 at the phone → the INVITE at the phone, per call | ${m((r) => median(r.okToInvite))} | ${m((r) => pct(r.okToInvite, 99))} | ${Math.max(...results.map((r) => pct(r.okToInvite, 99))).toFixed(1)} | |\n`
    + stage('registerToEvent', '(stage) REGISTER sent → binding event in the B2BUA process')
    + stage('eventToOffer', '(stage) binding event → branch offer started (0: offered before the REGISTER)')
    + stage('offer', '(stage) rtpengine offer on the path (pre-offered: what was left of it at the event)')
    + stage('offerToInvite', '(stage) offer ready → INVITE at the phone')
    + `\n${rounds} rounds × ${calls} calls; failed calls: ${results.map((r) => r.failed).join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/push: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

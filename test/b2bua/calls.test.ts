// Acceptance (issue 6): calls between accounts through sipd + the B2BUA with media on rtpengine,
// each case ending with its CDR read back from MariaDB and checked field by field.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import type { CdrRecord } from '@openline/cdr';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { describeSippResult, freePort, runSipp, sippUas, type SippProcess } from '../support/sipp';
import { account, bindDevice, injectionFile, near, startB2buaNode, type B2buaNode, type TestAccount } from './support/harness';
import { TestUa } from './support/ua';

const DOMAIN = `calls${process.pid}.b2b.test`;
const PCAP = '/usr/share/sip-tester/g711a.pcap';

/** Common CDR shape of an onnet call between two accounts. */
function assertOnnet(c: CdrRecord, caller: TestAccount, callee: TestAccount): void {
  assert.equal(c.direction, 'onnet');
  assert.equal(c.caller.accountId, caller.id);
  assert.equal(c.caller.username, caller.user);
  assert.equal(c.callee.accountId, callee.id);
  assert.equal(c.callee.username, callee.user);
  assert.equal(c.trunkId, null);
  assert.equal(c.trunkName, null);
  assert.match(c.id, /^[0-9a-f-]{36}$/);
  assert.ok(c.callId.length > 0);
  assert.ok(c.nodeId.length > 0);
  assert.equal(c.setupMs, (c.ringingTime ?? c.answerTime ?? c.endTime).getTime() - c.startTime.getTime());
  assert.equal(c.transferredFrom, null);
  assert.equal(c.transferredTo, null);
  assert.equal(c.transferKind, null);
}

/** A port p with p..p+3 free (SIPp binds audio RTP/RTCP and video RTP/RTCP from -mp). */
async function freeMediaPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p % 2 !== 0 || p > 65000) continue;
    const ok = await Promise.all([1, 2, 3].map((d) => new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p + d, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return p;
  }
  throw new Error('no free block of 4 UDP ports');
}

/** Counts UDP packets to the given ports on lo while `during` runs (tcpdump, root). */
async function countUdp(ports: number[], during: () => Promise<void>): Promise<Map<number, number>> {
  const filter = ports.map((p) => `dst port ${p}`).join(' or ');
  const child: ChildProcess = spawn('tcpdump', ['-i', 'lo', '-n', '-l', '-q', `udp and (${filter})`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const deadline = Date.now() + 5000;
  while (!/listening on/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  try {
    await during();
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await gone;
  }
  const counts = new Map<number, number>(ports.map((p) => [p, 0]));
  for (const line of out.split('\n')) {
    const m = / > [\d.]+\.(\d+): UDP/.exec(line);
    if (m && counts.has(Number(m[1]))) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  return counts;
}

describe('b2bua: calls between accounts', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let node: B2buaNode;
  let uas: SippProcess[] = [];
  let uas2: TestUa | undefined;
  before(async () => {
    stack = await getSharedStack();
    node = await startB2buaNode(stack);
  });
  afterEach(async () => {
    for (const u of uas) await u.stop(500);
    uas = [];
    uas2?.close();
    uas2 = undefined;
  });
  after(async () => { await node?.stop(); });

  it('SIPp UAC → sipd/B2BUA → SIPp UAS with rtpengine: RTP sent, echoed and counted at both ends; CDR with media stats', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const uasMedia = await freeMediaPort();
    const uacMedia = await freeMediaPort();
    const callee = await sippUas({ scenario: 'uas-answer.xml', rtpEcho: true, mediaPort: uasMedia });
    uas.push(callee);
    await bindDevice(node, bob, callee.localPort);
    let r: Awaited<ReturnType<typeof runSipp>> | undefined;
    const counts = await countUdp([uasMedia, uacMedia], async () => {
      r = await runSipp({
        scenario: 'uac-auth-call-rtp.xml', remote: `127.0.0.1:${node.sipPort}`, service: bob.user, calls: 1,
        injectionFiles: [injectionFile(alice)], keys: { pcap: PCAP }, pauseMs: 4000, mediaPort: uacMedia, timeoutSec: 40,
      });
    });
    assert.ok(r?.ok, r ? describeSippResult(r) : 'no SIPp result');
    const atCallee = counts.get(uasMedia) ?? 0;
    const atCaller = counts.get(uacMedia) ?? 0;
    assert.ok(atCallee >= 100, `RTP packets reaching the callee through rtpengine: ${atCallee}`);
    assert.ok(atCaller >= 100, `echoed RTP packets back at the caller: ${atCaller}`);
    const c = await node.cdr((x) => x.caller.accountId === alice.id);
    assertOnnet(c, alice, bob);
    assert.equal(c.disposition, 'answered');
    assert.equal(c.sipStatus, 200);
    assert.equal(c.sipReason, 'OK');
    assert.equal(c.hangupSide, 'caller');
    assert.equal(c.hangupCause, null);
    assert.ok(c.answerTime && c.ringingTime);
    near(c.talkMs, 4000, 1500, 'talkMs');
    assert.equal(c.talkMs, c.endTime.getTime() - (c.answerTime as Date).getTime());
    assert.equal(c.ringMs, (c.answerTime as Date).getTime() - (c.ringingTime as Date).getTime());
    assert.equal(c.caller.displayName, 'SIPp Caller');
    assert.match(c.callee.device ?? '', new RegExp(`:${callee.localPort}$`));
    // The caller offered PCMA first, the callee answered PCMU first: both legs use PCMU, no transcoding.
    assert.deepEqual(c.codecs, { aLeg: 'PCMU/8000', bLeg: 'PCMU/8000' });
    assert.ok((c.media.aLeg?.packetsIn ?? 0) >= 100, `a-leg packets in: ${JSON.stringify(c.media.aLeg)}`);
    assert.ok((c.media.bLeg?.packetsIn ?? 0) >= 100, `b-leg packets in (the echo): ${JSON.stringify(c.media.bLeg)}`);
    assert.equal(c.media.aLeg?.packetsOut, c.media.bLeg?.packetsIn);
    assert.ok((c.media.aLeg?.bytesIn ?? 0) > 0);
    assert.ok(c.bLegCallId && c.bLegCallId !== c.aLegCallId);
  });

  it('CANCEL while ringing: the callee gets CANCEL, the caller 487; CDR cancelled by the caller', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const callee = await sippUas({ scenario: 'uas-ring-noanswer.xml' });
    uas.push(callee);
    await bindDevice(node, bob, callee.localPort);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(bob.user, {
        onProvisional: (s) => { if (s === 180) setTimeout(() => ua.cancel('SIP;cause=487;text="Caller gave up"'), 700); },
      });
      assert.equal(call.status, 487);
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assertOnnet(c, alice, bob);
      assert.equal(c.disposition, 'cancelled');
      assert.equal(c.sipStatus, 487);
      assert.equal(c.hangupSide, 'caller');
      assert.deepEqual(c.hangupCause, { protocol: 'SIP', cause: 487, text: 'Caller gave up' });
      assert.equal(c.answerTime, null);
      assert.ok(c.ringingTime);
      near(c.ringMs, 700, 400, 'ringMs');
      assert.equal(c.talkMs, 0);
      assert.equal(c.bLegCallId, null);
      const s = await callee.stop(2000);
      assert.equal(s.counts['3_CANCEL_Recv'] ?? s.counts['CANCEL_Recv'] ?? 1, 1);
    } finally {
      ua.close();
    }
  });

  it('busy: a callee that answers 486 → 486 with a Reason; CDR busy, hung up by the callee', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const callee = await sippUas({ scenario: 'uas-busy.xml' });
    uas.push(callee);
    await bindDevice(node, bob, callee.localPort);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(bob.user);
      assert.equal(call.status, 486);
      assert.match(call.response.get('reason') ?? '', /^SIP;cause=486;text="All devices busy"/);
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assertOnnet(c, alice, bob);
      assert.equal(c.disposition, 'busy');
      assert.equal(c.sipStatus, 486);
      assert.equal(c.sipReason, 'Busy Here');
      assert.equal(c.hangupSide, 'callee');
      assert.deepEqual(c.hangupCause, { protocol: 'SIP', cause: 486, text: 'All devices busy' });
      assert.equal(c.talkMs, 0);
      assert.equal(c.media.bLeg, null);
    } finally {
      ua.close();
    }
  });

  it('no answer within the timeout (4 s here, 30 s by default) → CANCEL to the device, 480 to the caller; CDR no-answer', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const callee = await sippUas({ scenario: 'uas-ring-noanswer.xml' });
    uas.push(callee);
    await bindDevice(node, bob, callee.localPort);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(bob.user);
      assert.equal(call.status, 480);
      assert.match(call.response.get('reason') ?? '', /cause=480;text="No answer"/);
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assertOnnet(c, alice, bob);
      assert.equal(c.disposition, 'no-answer');
      assert.equal(c.sipStatus, 480);
      assert.equal(c.hangupSide, 'system');
      near(c.ringMs, 4000, 500, 'ringMs');
      near(c.endTime.getTime() - c.startTime.getTime(), 4000, 500, 'attempt duration');
      const s = await callee.stop(2000);
      assert.equal(s.failed, 0, describeSippResult(s));
    } finally {
      ua.close();
    }
  });

  it('forks to every device of the callee: the first 200 wins, the other device gets CANCEL with Reason "Call completed elsewhere"', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const answering = await sippUas({ scenario: 'uas-ring-answer.xml', pauseMs: 800 });
    const ringing = await sippUas({ scenario: 'uas-ring-noanswer.xml', traceMessages: true });
    uas.push(answering, ringing);
    await bindDevice(node, bob, answering.localPort, 'urn:uuid:00000000-0000-4000-8000-00000000aaaa');
    await bindDevice(node, bob, ringing.localPort, 'urn:uuid:00000000-0000-4000-8000-00000000bbbb');
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(bob.user);
      assert.equal(call.status, 200);
      await new Promise((r) => setTimeout(r, 500));
      const trace = readFileSync(path.join(ringing.outDir, readdirMessages(ringing.outDir)), 'utf8');
      assert.match(trace, /CANCEL sip:[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*Reason: SIP;cause=200;text="Call completed elsewhere"/i);
      await ua.request(call, 'BYE');
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assertOnnet(c, alice, bob);
      assert.equal(c.disposition, 'answered');
      assert.equal(c.callee.device, 'urn:uuid:00000000-0000-4000-8000-00000000aaaa');
      near(c.ringMs, 800, 400, 'ringMs');
    } finally {
      ua.close();
    }
  });

  it('early media (RFC 3960): a device\'s 183 with SDP reaches the caller as a 183 with rtpengine\'s SDP, then the 200', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const callee = await sippUas({ scenario: 'uas-early-media-answer.xml', pauseMs: 800 });
    uas.push(callee);
    await bindDevice(node, bob, callee.localPort);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(bob.user);
      assert.equal(call.status, 200);
      assert.ok(call.provisionals.includes(183), `provisionals ${call.provisionals.join(',')}`);
      const early = Number(/^m=audio (\d+)/m.exec(call.earlySdp ?? '')?.[1]);
      const final = Number(/^m=audio (\d+)/m.exec(call.response.body)?.[1]);
      assert.ok(early > 0, 'the 183 carries SDP');
      assert.equal(early, final, 'early and final media on the same rtpengine port');
      await ua.request(call, 'BYE');
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assert.equal(c.disposition, 'answered');
      near(c.ringMs, 800, 400, 'ringMs counts from the 183');
    } finally {
      ua.close();
    }
  });

  it('486 only when every device is busy: one busy and one unanswered device give 480', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const busy = await sippUas({ scenario: 'uas-busy.xml' });
    const busy2 = await sippUas({ scenario: 'uas-busy.xml' });
    uas.push(busy, busy2);
    await bindDevice(node, bob, busy.localPort, 'urn:uuid:00000000-0000-4000-8000-0000000000b1');
    await bindDevice(node, bob, busy2.localPort, 'urn:uuid:00000000-0000-4000-8000-0000000000b2');
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const both = await ua.invite(bob.user);
      assert.equal(both.status, 486, 'both devices busy');
      const carol = await account(stack, DOMAIN);
      const b = await sippUas({ scenario: 'uas-busy.xml' });
      const ring = await sippUas({ scenario: 'uas-ring-noanswer.xml' });
      uas.push(b, ring);
      await bindDevice(node, carol, b.localPort, 'urn:uuid:00000000-0000-4000-8000-0000000000c1');
      await bindDevice(node, carol, ring.localPort, 'urn:uuid:00000000-0000-4000-8000-0000000000c2');
      const mixed = await ua.invite(carol.user);
      assert.equal(mixed.status, 480);
      const c = await node.cdr((x) => x.aLegCallId === mixed.callId);
      assert.equal(c.disposition, 'no-answer');
    } finally {
      ua.close();
    }
  });

  it('a device that declines (603, RFC 3261 §16.7) ends the call at once: the other device gets CANCEL, the caller 603', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const declining = await sippUas({ scenario: 'uas-decline.xml', pauseMs: 500 });
    const ringing = await sippUas({ scenario: 'uas-ring-noanswer.xml', traceMessages: true });
    uas.push(declining, ringing);
    await bindDevice(node, bob, declining.localPort, 'urn:uuid:00000000-0000-4000-8000-0000000000d1');
    await bindDevice(node, bob, ringing.localPort, 'urn:uuid:00000000-0000-4000-8000-0000000000d2');
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const started = Date.now();
      const call = await ua.invite(bob.user);
      assert.equal(call.status, 603);
      assert.ok(Date.now() - started < 3000, 'not held until the no-answer timeout');
      assert.match(call.response.get('reason') ?? '', /^SIP;cause=603;text="Decline"/);
      await new Promise((r) => setTimeout(r, 500));
      const trace = readFileSync(path.join(ringing.outDir, readdirMessages(ringing.outDir)), 'utf8');
      assert.match(trace, /CANCEL sip:[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*Reason: SIP;cause=603;text="Decline"/i);
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assertOnnet(c, alice, bob);
      assert.equal(c.sipStatus, 603);
      assert.equal(c.hangupSide, 'callee');
      assert.equal(c.talkMs, 0);
    } finally {
      ua.close();
    }
  });

  it('callee without a reachable device → 480 with a Reason; CDR failed', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    uas2 = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await uas2.open();
    const call = await uas2.invite(bob.user);
    assert.equal(call.status, 480);
    assert.match(call.response.get('reason') ?? '', /text="No reachable device"/);
    const c = await node.cdr((x) => x.aLegCallId === call.callId);
    assert.equal(c.disposition, 'failed');
    assert.equal(c.sipStatus, 480);
    assert.equal(c.hangupSide, 'system');
  });

  describe('refusals carry a Reason header (RFC 3326) and get a CDR', () => {
    it('unknown destination → 404', async () => {
      const alice = await account(stack, DOMAIN);
      const r = await runSipp({ scenario: 'uac-auth-call-fail.xml', remote: `127.0.0.1:${node.sipPort}`, service: 'nobody-here', calls: 1, injectionFiles: [injectionFile(alice)], timeoutSec: 20 });
      assert.ok(r.ok, describeSippResult(r));
      const c = await node.cdr((x) => x.caller.accountId === alice.id);
      assert.equal(c.sipStatus, 404);
      assert.equal(c.disposition, 'failed');
      assert.deepEqual(c.hangupCause, { protocol: 'SIP', cause: 404, text: 'Unknown destination' });
      assert.equal(c.hangupSide, 'system');
      assert.equal(c.direction, 'onnet');
    });
    it('a number without a dial-plan route → 403', async () => {
      const alice = await account(stack, DOMAIN, { country: 'PL' });
      const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
      await ua.open();
      try {
        const call = await ua.invite('0099912345678');
        assert.equal(call.status, 403);
        assert.match(call.response.get('reason') ?? '', /cause=403;text="Destination not allowed"/);
        const c = await node.cdr((x) => x.aLegCallId === call.callId);
        assert.equal(c.direction, 'outbound');
        assert.equal(c.callee.number, '+99912345678');
      } finally {
        ua.close();
      }
    });
    it('an account at its concurrent-call limit → 503', async () => {
      const alice = await account(stack, DOMAIN, { maxCalls: 0 });
      const bob = await account(stack, DOMAIN);
      const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
      await ua.open();
      try {
        const call = await ua.invite(bob.user);
        assert.equal(call.status, 503);
        assert.match(call.response.get('reason') ?? '', /cause=503;text="Account concurrent call limit reached"/);
      } finally {
        ua.close();
      }
    });
    it('a wrong password is challenged again (407), never routed', async () => {
      const alice = await account(stack, DOMAIN);
      const bob = await account(stack, DOMAIN);
      const ua = new TestUa(alice.user, DOMAIN, 'wrong-password', node.sipPort);
      await ua.open();
      try {
        const call = await ua.invite(bob.user);
        assert.equal(call.status, 407);
      } finally {
        ua.close();
      }
    });
  });

  it('routes by extension and by E.164 number; the concurrent-call slot is released at teardown', async () => {
    const alice = await account(stack, DOMAIN, { maxCalls: 1 });
    const bob = await account(stack, DOMAIN, { extension: `2${process.pid % 1000}`, phone: `+1202555${String(process.pid % 10000).padStart(4, '0')}` });
    const dev = new TestUa(bob.user, DOMAIN, bob.password, node.sipPort);
    await dev.open();
    uas2 = dev;
    await bindDevice(node, bob, dev.port);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      for (const dial of [`2${process.pid % 1000}`, (bob.phone ?? '').slice(2)]) {
        const call = await ua.invite(dial);
        assert.equal(call.status, 200, `dialled ${dial}`);
        const bye = await ua.request(call, 'BYE');
        assert.equal(bye.status, 200, `BYE answered ${bye.status} ${bye.reason}`);
        const c = await node.cdr((x) => x.aLegCallId === call.callId);
        assert.equal(c.callee.accountId, bob.id);
        assert.equal(c.callee.number, bob.phone);
      }
      assert.equal(await node.app.deps.limits.current(node.app.deps.limits.key('account', alice.id)), 0);
    } finally {
      ua.close();
    }
  });
});

function readdirMessages(dir: string): string {
  // SIPp names its -message_file as given; the harness passes messages.log
  return existsSync(path.join(dir, 'messages.log')) ? 'messages.log' : '';
}

// Acceptance (issue 7): the push-call flow (RFC 8599 §5) end to end on the real stack — sipd,
// registrar, B2BUA, rtpengine, MariaDB, Redis — with a SIPp "sleeping phone": the caller's INVITE
// makes the push-call server send a call push; the phone (woken by it) REGISTERs with the same
// pn-* parameters; the held INVITE is forked to it; the call connects with media through
// rtpengine (SIPp -rtp_echo) and its CDR is written. Also: CANCEL during the wait, the wait
// running out, and the INVITE waiting on node A while the phone registers on node B.
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { describeSippResult, freePort, runSipp } from '../support/sipp';
import { account, bindDevice, injectionFile, type TestAccount } from '../b2bua/support/harness';
import { startB2buaNode, type B2buaNode } from '../b2bua/support/harness';
import { TestUa } from '../b2bua/support/ua';
import {
  freeMediaPort, newDevice, sleepingDevice, sleepingPhone, startProviders, startPushNode, BUNDLE, type PhoneDevice, type Providers, type PushNode,
  type RecordingSender,
} from './call-support';

const DOMAIN = `pushcall${process.pid}.push.test`;
const PCAP = '/usr/share/sip-tester/g711a.pcap';

describe('push-call: a sleeping phone woken for a call', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let sender: RecordingSender;
  let prov: Providers;
  let pn: PushNode;
  const uas: TestUa[] = [];
  before(async () => {
    stack = await getSharedStack();
    prov = await startProviders(stack);
    sender = prov.sender;
    pn = await startPushNode(stack, sender, { waitSeconds: 20 });
  });
  afterEach(() => { for (const u of uas.splice(0)) u.close(); });
  after(async () => {
    await pn?.stop();
    await prov?.close();
  });

  /** Waits until the provider stand-in received the device's push of this kind; checks its wire form. */
  async function received(d: PhoneDevice, kind: string): Promise<Record<string, unknown>> {
    if (d.provider === 'apns') {
      const p = await prov.apns.waitFor((x) => x.token === d.prid && x.payload?.kind === kind, 20_000);
      assert.equal(p.status, 200);
      if (kind === 'call') assert.deepEqual([p.pushType, p.topic, p.priority], ['voip', `${BUNDLE}.voip`, 10], 'a VoIP push');
      return p.payload ?? {};
    }
    const m = await prov.fcm.waitFor((x) => x.token === d.prid && (x.message.data as Record<string, string> | undefined)?.kind === kind, 20_000);
    assert.equal(m.status, 200);
    if (kind === 'call') assert.equal((m.message.android as { priority?: string } | undefined)?.priority, 'high', 'a high-priority data message');
    return (m.message.data as Record<string, unknown> | undefined) ?? {};
  }

  async function callWakeAnswer(provider: 'apns' | 'fcm', registrarPort: number, node: B2buaNode): Promise<{ alice: TestAccount; bob: TestAccount; d: PhoneDevice }> {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const d = newDevice(provider, prov.param[provider]);
    await sleepingDevice(stack, bob, d);
    const phone = await sleepingPhone(bob, d, registrarPort, await freeMediaPort(freePort));
    try {
      const caller = runSipp({
        scenario: 'uac-auth-call-rtp.xml', remote: `127.0.0.1:${node.sipPort}`, service: bob.user, calls: 1,
        injectionFiles: [injectionFile(alice)], keys: { pcap: PCAP }, pauseMs: 3000, mediaPort: await freeMediaPort(freePort), timeoutSec: 60,
      });
      // The phone wakes when the provider stand-in has the push.
      const payload = await received(d, 'call');
      assert.equal(payload.callerName, 'SIPp Caller');
      assert.match(String(payload.pickupToken), /^[A-Za-z0-9_-]{20,}$/);
      assert.ok(String(payload.callId).length > 0);
      await phone.wake();
      const r = await caller;
      assert.ok(r.ok, `caller: ${describeSippResult(r)}`);
      const p = await phone.sipp.done;
      assert.ok(p.ok && p.successful === 2, `phone: ${describeSippResult(p)}`);
      const [binding] = await pn.node.location.lookup(bob.aor);
      assert.equal(binding?.instance, d.instance);
      assert.deepEqual(binding?.push, { provider, prid: d.prid, param: d.param }, 'registered with the same pn-* parameters');
      assert.ok(binding?.flow.node.endsWith(`:${registrarPort}`), `registered through the sipd at ${registrarPort}: ${binding?.flow.node}`);
      const c = await pn.node.cdr((x) => x.caller.accountId === alice.id && x.sipStatus === 200);
      assert.equal(c.disposition, 'answered');
      assert.equal(c.callee.accountId, bob.id);
      assert.equal(c.callee.device, d.instance);
      assert.ok((c.media.aLeg?.packetsIn ?? 0) >= 50, `caller's RTP reached rtpengine: ${JSON.stringify(c.media.aLeg)}`);
      assert.ok((c.media.bLeg?.packetsIn ?? 0) >= 50, `the phone's echo came back through rtpengine: ${JSON.stringify(c.media.bLeg)}`);
      return { alice, bob, d };
    } finally {
      await phone.sipp.stop(500);
    }
  }

  it('APNs: INVITE → call push → the phone REGISTERs with the same pn-* → INVITE reaches it → call with media through rtpengine, CDR written', async () => {
    await callWakeAnswer('apns', pn.node.sipPort, pn.node);
  });

  it('FCM: the same flow with an FCM registration token', async () => {
    await callWakeAnswer('fcm', pn.node.sipPort, pn.node);
  });

  it('the INVITE waits on node A while the phone REGISTERs on node B (binding events over Redis)', async () => {
    const b = await startB2buaNode(stack);
    try {
      await callWakeAnswer('apns', b.sipPort, pn.node);
    } finally {
      await b.stop();
    }
  });

  it('CANCEL during the wait: the caller gets 487, no 180, and the device gets a "call ended" push', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const d = newDevice('apns', prov.param.apns);
    await sleepingDevice(stack, bob, d);
    const a = new TestUa(alice.user, DOMAIN, alice.password, pn.node.sipPort);
    await a.open();
    uas.push(a);
    const call = a.invite(bob.user);
    await received(d, 'call');
    a.cancel();
    const res = await call;
    assert.equal(res.status, 487);
    assert.deepEqual(res.provisionals, [], 'no 180: no device rang');
    const ended = await received(d, 'call-ended');
    assert.equal(ended.reason, 'cancelled');
    assert.equal(ended.callId, res.callId);
    const c = await pn.node.cdr((x) => x.aLegCallId === res.callId);
    assert.equal(c.sipStatus, 487);
    assert.equal(sender.pushes.filter((p) => p.req.kind === 'missed-call' && p.req.target.prid === d.prid).length, 0);
  });

  it('a call to a device that is awake but busy (486) ends unanswered: missed-call alert to every push-capable device, no call push', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const awake = newDevice('fcm', prov.param.fcm);
    const asleep = newDevice('apns', prov.param.apns);
    await sleepingDevice(stack, bob, awake);
    const phone = new TestUa(bob.user, DOMAIN, bob.password, pn.node.sipPort);
    await phone.open();
    uas.push(phone);
    phone.answerMode = 'busy';
    await bindDevice(pn.node, bob, phone.port, awake.instance);
    const a = new TestUa(alice.user, DOMAIN, alice.password, pn.node.sipPort);
    await a.open();
    uas.push(a);
    // Only the awake device is known at first: no push at all, the call is just busy.
    const res = await a.invite(bob.user);
    assert.equal(res.status, 486);
    const m = await received(awake, 'missed-call');
    assert.equal(m.callId, res.callId);
    assert.equal(sender.pushes.filter((p) => p.req.kind === 'call' && p.req.data.callId === res.callId).length, 0, 'no call push to an awake device');
    // With a second, sleeping device the busy one does not end the call: it waits for the push.
    await sleepingDevice(stack, bob, asleep);
    const second = a.invite(bob.user);
    await received(asleep, 'call');
    a.cancel();
    assert.equal((await second).status, 487);
  });

  it('APNs 410 on the call push: the token is removed from the devices table and the caller gets 480 without waiting', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const d = newDevice('apns', prov.param.apns);
    await sleepingDevice(stack, bob, d);
    prov.apns.respond(d.prid, { status: 410, reason: 'Unregistered' });
    const a = new TestUa(alice.user, DOMAIN, alice.password, pn.node.sipPort);
    await a.open();
    uas.push(a);
    const started = Date.now();
    const res = await a.invite(bob.user);
    assert.equal(res.status, 480);
    assert.ok(Date.now() - started < 10_000, 'not the 20 s wait: nothing can wake the device');
    const r = await sender.wait((p) => p.req.kind === 'call' && p.req.target.prid === d.prid);
    assert.equal(r.res.status, 410);
    assert.equal(r.res.invalidToken, true);
    const rows = await stack.dbPool().query<Array<{ push_prid: string | null; push_provider: string | null }>>(
      'SELECT push_prid, push_provider FROM devices WHERE account_id = ?', [bob.id]);
    assert.deepEqual(rows.map((x) => [x.push_provider, x.push_prid]), [[null, null]], 'the dead token is gone');
  });
});

describe('push-call: the wait runs out', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  let prov: Providers;
  let sender: RecordingSender;
  let pn: PushNode;
  before(async () => {
    stack = await getSharedStack();
    prov = await startProviders(stack);
    sender = prov.sender;
    pn = await startPushNode(stack, sender, { waitSeconds: 2 });
  });
  after(async () => {
    await pn?.stop();
    await prov?.close();
  });

  it('no REGISTER within push.callWaitSeconds: 480 to the caller and a missed-call push to every device of the callee', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const iphone = newDevice('apns', prov.param.apns);
    const pixel = newDevice('fcm', prov.param.fcm);
    await sleepingDevice(stack, bob, iphone);
    await sleepingDevice(stack, bob, pixel);
    const a = new TestUa(alice.user, DOMAIN, alice.password, pn.node.sipPort);
    await a.open();
    try {
      const started = Date.now();
      const res = await a.invite(bob.user);
      const took = Date.now() - started;
      assert.equal(res.status, 480);
      assert.ok(took >= 1900 && took < 10_000, `480 after the 2 s wait (${took} ms)`);
      assert.deepEqual(res.provisionals, []);
      for (const d of [iphone, pixel]) {
        await sender.wait((p) => p.req.kind === 'call' && p.req.target.prid === d.prid);
        const m = await sender.wait((p) => p.req.kind === 'missed-call' && p.req.target.prid === d.prid);
        assert.equal(m.req.data.callId, res.callId);
        assert.ok(m.req.alert?.title);
        assert.equal(m.res.ok, true, `delivered to the ${d.provider} stand-in: ${JSON.stringify(m.res)}`);
      }
      const c = await pn.node.cdr((x) => x.aLegCallId === res.callId);
      assert.equal(c.sipStatus, 480);
      assert.equal(pn.push.calls.active, 0, 'no waiting call left');
      assert.equal(pn.push.watcher.watchedAors, 0, 'no AOR watched');
    } finally {
      a.close();
    }
  });
});

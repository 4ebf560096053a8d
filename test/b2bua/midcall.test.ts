// Acceptance (issue 6): mid-call requests through the B2BUA — hold/resume by re-INVITE from
// either side (RFC 3264 §8.4, media re-anchored on rtpengine), UPDATE, SIP INFO relayed, REFER
// blind transfer (RFC 3515, NOTIFY sipfrag progress) and attended transfer with Replaces
// (RFC 3891) between two local calls; the CDRs of the calls linked by the transfer.
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { account, bindDevice, startB2buaNode, type B2buaNode, type TestAccount } from './support/harness';
import { sdpOf, TestUa, type UaCall } from './support/ua';

const DOMAIN = `mid${process.pid}.b2b.test`;

function direction(sdp: string): string {
  return /^a=(sendrecv|sendonly|recvonly|inactive)/m.exec(sdp)?.[1] ?? 'sendrecv';
}

function mediaPort(sdp: string): number {
  return Number(/^m=audio (\d+)/m.exec(sdp)?.[1]);
}

describe('b2bua: mid-call', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  let node: B2buaNode;
  const uas: TestUa[] = [];

  async function ua(a: TestAccount, bind = false): Promise<TestUa> {
    const u = new TestUa(a.user, DOMAIN, a.password, node.sipPort);
    await u.open();
    uas.push(u);
    if (bind) await bindDevice(node, a, u.port);
    return u;
  }

  before(async () => {
    stack = await getSharedStack();
    node = await startB2buaNode(stack);
  });
  afterEach(() => { for (const u of uas.splice(0)) u.close(); });
  after(async () => { await node?.stop(); });

  it('hold and resume from the caller, then from the callee: sendonly/inactive offers reach the other side through rtpengine and come back answered', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const a = await ua(alice);
    const b = await ua(bob, true);
    const call = await a.invite(bob.user);
    assert.equal(call.status, 200);
    const inB = await b.nextIncoming();
    // RFC 4733 events are negotiated end to end (rtpengine passes or transcodes telephone-event).
    assert.match(inB.response.body, /telephone-event\/8000/);
    assert.match(call.response.body, /telephone-event\/8000/);
    const anchored = mediaPort(call.response.body);
    // caller holds (RFC 3264 §8.4: sendonly offer, recvonly answer)
    const hold = await a.request(call, 'INVITE', [], sdpOf(7000, 'sendonly'));
    assert.equal(hold.status, 200);
    assert.equal(direction(hold.body), 'recvonly');
    assert.equal(mediaPort(hold.body), anchored, 'media stays anchored on the same rtpengine port');
    const reinv = await b.receivedRequest(inB, 'INVITE', (m) => /a=sendonly/.test(m.body));
    assert.notEqual(mediaPort(reinv.body), 7000, 'the callee sees rtpengine, not the caller');
    const resume = await a.request(call, 'INVITE', [], sdpOf(7000, 'sendrecv'));
    assert.equal(direction(resume.body), 'sendrecv');
    // callee holds with inactive, then resumes
    const bHold = await b.request(inB, 'INVITE', [], sdpOf(7100, 'inactive'));
    assert.equal(bHold.status, 200);
    assert.equal(direction(bHold.body), 'inactive');
    await a.receivedRequest(call, 'INVITE', (m) => /a=inactive/.test(m.body));
    const bResume = await b.request(inB, 'INVITE', [], sdpOf(7100, 'sendrecv'));
    assert.equal(direction(bResume.body), 'sendrecv');
    // UPDATE with an offer (RFC 3311) is relayed the same way
    const upd = await a.request(call, 'UPDATE', [], sdpOf(7000, 'sendonly'));
    assert.equal(upd.status, 200);
    assert.equal(direction(upd.body), 'recvonly');
    await b.receivedRequest(inB, 'UPDATE');
    // SIP INFO (dtmf-relay) goes to the other leg and its status comes back
    const info = await a.request(call, 'INFO', ['Content-Type: application/dtmf-relay'], 'Signal=5\r\nDuration=160\r\n');
    assert.equal(info.status, 200);
    const relayed = await b.receivedRequest(inB, 'INFO');
    assert.match(relayed.body, /Signal=5/);
    assert.equal(relayed.get('content-type'), 'application/dtmf-relay');
    await b.request(inB, 'BYE');
    await a.receivedRequest(call, 'BYE');
    const c = await node.cdr((x) => x.aLegCallId === call.callId);
    assert.equal(c.disposition, 'answered');
    assert.equal(c.hangupSide, 'callee');
    assert.deepEqual(c.codecs, { aLeg: 'PCMU/8000', bLeg: 'PCMU/8000' });
  });

  it('a re-INVITE sent right after the ACK (same read as the 2xx at the B2BUA) is relayed, not answered with the old SDP', async () => {
    // srf answers a re-INVITE itself when the dialog has no 'modify' listener yet; the B2BUA holds
    // a new dialog's requests until its listeners are in place.
    for (let i = 0; i < 15; i++) {
      const alice = await account(stack, DOMAIN);
      const bob = await account(stack, DOMAIN);
      const a = await ua(alice);
      const b = await ua(bob, true);
      const call = await a.invite(bob.user);
      const inB = await b.nextIncoming();
      const hold = await a.request(call, 'INVITE', [], sdpOf(7000, 'sendonly'));
      assert.equal(direction(hold.body), 'recvonly', `call ${i}: callee got ${inB.received.map((m) => m.request?.method).join(',')}`);
      await a.request(call, 'BYE');
    }
  });

  it('blind transfer (REFER without Replaces): 202, NOTIFY 100 then 200, the transferee is connected to the target and the transferor released; CDRs linked', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const carol = await account(stack, DOMAIN);
    const a = await ua(alice);
    const b = await ua(bob, true);
    const c = await ua(carol, true);
    const call = await a.invite(bob.user);
    assert.equal(call.status, 200);
    const bCall = await b.nextIncoming();
    const refer = await a.request(call, 'REFER', [`Refer-To: <sip:${carol.user}@${DOMAIN}>`, `Referred-By: <sip:${alice.user}@${DOMAIN}>`]);
    assert.equal(refer.status, 202);
    const trying = await a.receivedRequest(call, 'NOTIFY', (m) => /SIP\/2\.0 100/.test(m.body));
    assert.equal(trying.get('event'), 'refer');
    assert.match(trying.get('content-type') ?? '', /^message\/sipfrag/);
    const ok = await a.receivedRequest(call, 'NOTIFY', (m) => /SIP\/2\.0 200/.test(m.body));
    assert.match(ok.get('subscription-state') ?? '', /^terminated/);
    await a.receivedRequest(call, 'BYE');
    const cCall = await c.nextIncoming();
    assert.equal(cCall.status, 200);
    const moved = await b.receivedRequest(bCall, 'INVITE');
    assert.ok(mediaPort(moved.body) > 0, 'the transferee was re-INVITEd onto the new media');
    // the new call ends when carol hangs up: bob gets the BYE
    await c.request(cCall, 'BYE');
    await b.receivedRequest(bCall, 'BYE');
    const first = await node.cdr((x) => x.aLegCallId === call.callId);
    const second = await node.cdr((x) => x.transferredFrom === first.id);
    assert.equal(first.transferredTo, second.id);
    assert.equal(first.transferKind, 'blind');
    assert.equal(first.disposition, 'answered');
    assert.equal(first.hangupSide, 'caller');
    assert.deepEqual(first.hangupCause, { protocol: 'SIP', cause: 200, text: 'Call transferred' });
    assert.equal(second.transferKind, 'blind');
    assert.equal(second.caller.accountId, bob.id);
    assert.equal(second.callee.accountId, carol.id);
    assert.equal(second.aLegCallId, bCall.callId);
    assert.equal(second.disposition, 'answered');
    assert.equal(second.hangupSide, 'callee');
    assert.equal(second.direction, 'onnet');
  });

  it('attended transfer (REFER with Replaces naming the other local call): the two remote parties are bridged, both transferor legs released; CDRs linked', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const carol = await account(stack, DOMAIN);
    const a = await ua(alice);
    const b = await ua(bob, true);
    const c = await ua(carol, true);
    const call1 = await a.invite(bob.user);
    const bCall = await b.nextIncoming();
    await a.request(call1, 'INVITE', [], sdpOf(7200, 'sendonly'));
    const call2 = await a.invite(carol.user);
    const cCall = await c.nextIncoming();
    assert.equal(call1.status, 200);
    assert.equal(call2.status, 200);
    const replaces = encodeURIComponent(`${call2.callId};to-tag=${call2.remoteTag};from-tag=${call2.localTag}`);
    const refer = await a.request(call1, 'REFER', [`Refer-To: <sip:${carol.user}@${DOMAIN}?Replaces=${replaces}>`]);
    assert.equal(refer.status, 202);
    await a.receivedRequest(call1, 'NOTIFY', (m) => /SIP\/2\.0 200/.test(m.body));
    await a.receivedRequest(call1, 'BYE');
    await a.receivedRequest(call2, 'BYE');
    const toB = await b.receivedRequest(bCall, 'INVITE');
    const toC = await c.receivedRequest(cCall, 'INVITE');
    assert.equal(direction(toC.body), 'sendrecv');
    assert.ok(mediaPort(toB.body) > 0 && mediaPort(toC.body) > 0);
    await b.request(bCall, 'BYE');
    await c.receivedRequest(cCall, 'BYE');
    const c1 = await node.cdr((x) => x.aLegCallId === call1.callId);
    const c2 = await node.cdr((x) => x.aLegCallId === call2.callId);
    const c3 = await node.cdr((x) => x.transferredFrom === c1.id);
    assert.equal(c1.transferredTo, c3.id);
    assert.equal(c2.transferredTo, c3.id);
    for (const x of [c1, c2, c3]) assert.equal(x.transferKind, 'attended');
    assert.equal(c3.caller.accountId, bob.id);
    assert.equal(c3.callee.accountId, carol.id);
    assert.equal(c3.disposition, 'answered');
    assert.equal(c3.hangupSide, 'caller');
    assert.equal(c3.aLegCallId, bCall.callId);
    assert.equal(c3.bLegCallId, cCall.callId);
  });

  it('REFER whose Replaces names no local call → 481, the call goes on', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const a = await ua(alice);
    await ua(bob, true);
    const call: UaCall = await a.invite(bob.user);
    const refer = await a.request(call, 'REFER', [`Refer-To: <sip:x@${DOMAIN}?Replaces=${encodeURIComponent('nope;to-tag=1;from-tag=2')}>`]);
    assert.equal(refer.status, 481);
    const bye = await a.request(call, 'BYE');
    assert.equal(bye.status, 200);
  });
});

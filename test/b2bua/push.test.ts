// Acceptance (issue 6): devices that are asleep (push parameters, RFC 8599, no live binding) are
// handed to the push-call server through the PushCallGateway interface; a woken device joins the
// running fork. Without a gateway (the no-op default) a callee with only sleeping devices is 480.
import assert from 'node:assert/strict';
import type { ReachableDevice } from '@openline/location';
import type { StackHandle } from '@openline/stack';
import type { PushCallGateway, PushCallInfo, PushCallOutcome } from '@openline/b2bua';
import { getSharedStack } from '../support/stack';
import { account, startB2buaNode, type B2buaNode, type TestAccount } from './support/harness';
import { TestUa } from './support/ua';

const DOMAIN = `push${process.pid}.b2b.test`;
const INSTANCE = 'urn:uuid:00000000-0000-4000-8000-00000000feed';

/** A push-call server stand-in: records the call and "wakes" the device after a delay. */
class WakingGateway implements PushCallGateway {
  readonly canWake = true;
  calls: PushCallInfo[] = [];
  outcomes: PushCallOutcome[] = [];
  wake: ReachableDevice | undefined;
  /** When the woken device was handed to ring() (ms since epoch). */
  rangAt: number | undefined;
  incomingCall(call: PushCallInfo, ring: (d: ReachableDevice) => void): { end(o: PushCallOutcome): void } {
    this.calls.push(call);
    const t = setTimeout(() => {
      if (!this.wake) return;
      this.rangAt = Date.now();
      ring(this.wake);
    }, 500);
    return { end: (o) => { clearTimeout(t); this.outcomes.push(o); } };
  }
}

async function sleepingDevice(stack: StackHandle, a: TestAccount): Promise<void> {
  await stack.dbPool().query('INSERT INTO devices (account_id, instance_id, push_provider, push_prid) VALUES (?, ?, ?, ?)',
    [a.id, `<${INSTANCE}>`, 'fcm', `token-${a.user}`]);
}

describe('b2bua: sleeping devices and the push-call gateway', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  const uas: TestUa[] = [];
  before(async () => { stack = await getSharedStack(); });
  afterEach(() => { for (const u of uas.splice(0)) u.close(); });

  it('hands the sleeping device to the gateway, sends the caller no 180 until the woken device rings, and bridges that device', async () => {
    const gw = new WakingGateway();
    const node: B2buaNode = await startB2buaNode(stack, { push: gw });
    try {
      const alice = await account(stack, DOMAIN);
      const bob = await account(stack, DOMAIN);
      await sleepingDevice(stack, bob);
      const phone = new TestUa(bob.user, DOMAIN, bob.password, node.sipPort);
      await phone.open();
      uas.push(phone);
      gw.wake = {
        aor: bob.aor, device: INSTANCE, instance: INSTANCE, requestUri: `sip:${bob.user}@127.0.0.1:${phone.port}`, route: [],
        nextHop: `sip:127.0.0.1:${phone.port};transport=udp`, flow: { node: 'x', transport: 'udp', address: '127.0.0.1', port: phone.port },
        q: 1000, expiresAt: Date.now() + 60_000, bindings: [],
      };
      const a = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
      await a.open();
      uas.push(a);
      const ringingAt: number[] = [];
      const call = await a.invite(bob.user, { onProvisional: (s) => { if (s === 180) ringingAt.push(Date.now()); } });
      assert.equal(call.status, 200);
      assert.ok(gw.rangAt !== undefined, 'the gateway woke the device');
      assert.ok(ringingAt.length > 0, 'the caller heard ringing once the woken device rang');
      assert.ok(ringingAt[0] >= gw.rangAt, `no 180 before the woken device rang (180 ${gw.rangAt - ringingAt[0]} ms before the wake-up)`);
      assert.equal(gw.calls.length, 1);
      assert.deepEqual(gw.calls[0].devices, [{ instance: INSTANCE, provider: 'fcm', prid: `token-${bob.user}` }]);
      assert.equal(gw.calls[0].callee.accountId, bob.id);
      assert.equal(gw.calls[0].callId, call.callId);
      await a.request(call, 'BYE');
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assert.equal(c.callee.device, INSTANCE);
      assert.equal(c.disposition, 'answered');
      assert.deepEqual(gw.outcomes, ['answered'], 'told once: the woken device answered');
    } finally {
      await node.stop();
    }
  });

  it('without a push gateway a callee whose only device sleeps gets 480 at once', async () => {
    const node: B2buaNode = await startB2buaNode(stack);
    try {
      const alice = await account(stack, DOMAIN);
      const bob = await account(stack, DOMAIN);
      await sleepingDevice(stack, bob);
      const a = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
      await a.open();
      uas.push(a);
      const started = Date.now();
      const call = await a.invite(bob.user);
      assert.equal(call.status, 480);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await node.stop();
    }
  });
});

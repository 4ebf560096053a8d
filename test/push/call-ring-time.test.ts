// Acceptance (issue 7 follow-up): the ring time of a device woken by push. The wait for a woken
// device to REGISTER is push.callWaitSeconds, not the B2BUA's no-answer timeout; a device that
// joins the call rings a full no-answer timeout from when it joined (the deadline becomes
// max(deadline, join time + noAnswerTimeoutMs), apps/b2bua/src/lib/fork.ts). Real stack: sipd with
// a WSS listener, the registrar process, the B2BUA with a 3 s no-answer timeout and the push-call
// server (20 s wait), the real dispatcher against the FCM stand-in; the phone is a WSS UA.
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { account, type TestAccount } from '../b2bua/support/harness';
import { TestUa, type UaCall } from '../b2bua/support/ua';
import { getSharedStack } from '../support/stack';
import { newDevice, sleepingDevice, startProviders, startWssPushStack, type PhoneDevice, type Providers, type WssPushStack } from './call-support';
import { WsPhone, type WsPhoneOptions } from './call-ws-phone';

const DOMAIN = `pushring${process.pid}.push.test`;
const NO_ANSWER_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('push-call: a woken device gets a full ring time', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let prov: Providers;
  let wss: WssPushStack;

  before(async () => {
    stack = await getSharedStack();
    prov = await startProviders(stack);
    wss = await startWssPushStack(stack, prov, { noAnswerTimeoutMs: NO_ANSWER_MS });
  });
  after(async () => {
    await wss?.stop();
    await prov?.close();
  });

  interface Run {
    call: UaCall;
    d: PhoneDevice;
    phone: WsPhone;
    started: number;
    joined: number;
    ended: number;
    /** When the caller got its first 180. */
    ringingAt: number | undefined;
  }

  /** Bob's only device sleeps; alice calls; the phone wakes `wakeAfterMs` after the INVITE and REGISTERs. */
  async function callWithLateWake(wakeAfterMs: number, phoneOpts: WsPhoneOptions, body: (r: Run) => Promise<void>): Promise<void> {
    const alice: TestAccount = await account(stack, DOMAIN);
    const bob: TestAccount = await account(stack, DOMAIN);
    const d = newDevice('fcm', prov.param.fcm);
    await sleepingDevice(stack, bob, d);
    const phone = new WsPhone(bob.user, DOMAIN, bob.password, d, phoneOpts);
    const a = new TestUa(alice.user, DOMAIN, alice.password, wss.sipd.sipPort);
    await a.open();
    try {
      let ringingAt: number | undefined;
      const started = Date.now();
      const calling = a.invite(bob.user, { onProvisional: (s) => { if (s === 180) ringingAt ??= Date.now(); } });
      await prov.fcm.waitFor((m) => m.token === d.prid && (m.message.data as Record<string, string> | undefined)?.kind === 'call', 20_000);
      await sleep(Math.max(0, started + wakeAfterMs - Date.now()));
      assert.equal(ringingAt, undefined, 'no 180 before the woken device rings');
      await phone.open(wss.wssPort);
      assert.equal(await phone.register(), 200);
      await phone.invited();
      const joined = phone.inviteTimes[0];
      const call = await calling;
      const ended = Date.now();
      await body({ call, d, phone, started, joined, ended, ringingAt });
      if (call.status === 200) assert.equal((await a.request(call, 'BYE')).status, 200);
    } finally {
      a.close();
      phone.close();
    }
  }

  it(`a phone woken after 2 s that answers 2.5 s after it rang is answered (no-answer timeout ${NO_ANSWER_MS} ms counts from its join)`, async () => {
    await callWithLateWake(2000, { answerAfterMs: 2500 }, async ({ call, started, joined, ended, ringingAt }) => {
      assert.equal(call.status, 200, `answered, not ${call.status}`);
      assert.ok(joined - started >= 1900, `the phone joined after its 2 s sleep (${joined - started} ms)`);
      assert.ok(ended - started > NO_ANSWER_MS + 500, `answered after the call-wide ${NO_ANSWER_MS} ms deadline (${ended - started} ms)`);
      assert.ok(ringingAt !== undefined && ringingAt >= joined - 50, 'the caller heard ringing once the woken phone rang');
    });
  });

  it('a woken phone that never answers rings the no-answer timeout from its join, then 480 and a missed-call push', async () => {
    await callWithLateWake(2000, { answerAfterMs: null }, async ({ call, d, phone, joined, ended }) => {
      assert.equal(call.status, 480);
      const rang = ended - joined;
      assert.ok(rang >= NO_ANSWER_MS - 100 && rang < NO_ANSWER_MS + 2500, `rang ${rang} ms (no-answer timeout ${NO_ANSWER_MS} ms)`);
      const deadline = Date.now() + 5000;
      while (phone.cancels.length === 0 && Date.now() < deadline) await sleep(20);
      assert.equal(phone.cancels.length, 1, 'the ringing phone got a CANCEL');
      assert.match(phone.cancels[0].get('reason') ?? '', /cause=480/);
      const m = await prov.sender.wait((p) => p.req.kind === 'missed-call' && p.req.target.prid === d.prid && p.req.data.callId === call.callId);
      assert.equal(m.res.ok, true, `missed-call delivered: ${JSON.stringify(m.res)}`);
      while (!wss.written.some((c) => c.aLegCallId === call.callId) && Date.now() < deadline + 5000) await sleep(50);
      const c = wss.written.find((x) => x.aLegCallId === call.callId);
      assert.equal(c?.sipStatus, 480);
      assert.equal(c?.disposition, 'no-answer');
    });
  });

  it(`push.callWaitSeconds bounds the wait, not the no-answer timeout: a phone woken after ${NO_ANSWER_MS + 1500} ms still gets the call`, async () => {
    await callWithLateWake(NO_ANSWER_MS + 1500, {}, async ({ call, started, joined }) => {
      assert.equal(call.status, 200, `answered, not ${call.status}`);
      assert.ok(joined - started >= NO_ANSWER_MS + 1400, `joined after the no-answer timeout (${joined - started} ms)`);
    });
  });
});

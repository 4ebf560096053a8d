// Acceptance (issue 7): the sleeping phone registers over WSS (RFC 7118) once the push woke it.
// One sipd with a WSS listener carries the registrar and the B2BUA (a WebSocket flow lives on the
// sipd that holds the connection); the caller is a UDP UA. The woken phone gets the INVITE over
// its WebSocket, answers, and RTP the caller sends through rtpengine comes back echoed.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { account } from '../b2bua/support/harness';
import { TestUa } from '../b2bua/support/ua';
import { newDevice, sleepingDevice, startProviders, startWssPushStack, type Providers, type WssPushStack } from './call-support';
import { WsPhone } from './call-ws-phone';

const DOMAIN = `pushwss${process.pid}.push.test`;

/** Sends `n` RTP packets (PCMU, 20 ms) to the address in `sdp`; counts what comes back. */
async function rtpExchange(sock: dgram.Socket, sdp: string, n: number): Promise<number> {
  const port = Number(/^m=audio (\d+)/m.exec(sdp)?.[1]);
  const host = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1] ?? '127.0.0.1';
  let back = 0;
  sock.on('message', () => { back++; });
  for (let i = 0; i < n; i++) {
    const pkt = Buffer.alloc(172, 0xff);
    pkt.writeUInt8(0x80, 0);
    pkt.writeUInt8(0, 1);
    pkt.writeUInt16BE(i, 2);
    pkt.writeUInt32BE(i * 160, 4);
    pkt.writeUInt32BE(0x1234abcd, 8);
    sock.send(pkt, port, host);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  return back;
}

describe('push-call: the woken phone registers over WSS', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let prov: Providers;
  let wss: WssPushStack;

  before(async () => {
    stack = await getSharedStack();
    prov = await startProviders(stack);
    wss = await startWssPushStack(stack, prov, { noAnswerTimeoutMs: 30_000 });
  });
  after(async () => {
    await wss?.stop();
    await prov?.close();
  });

  it('INVITE → FCM push → the phone REGISTERs over WSS with the same pn-* → INVITE over its WebSocket → answered, RTP both ways through rtpengine, CDR', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const d = newDevice('fcm', prov.param.fcm);
    await sleepingDevice(stack, bob, d);
    const phone = new WsPhone(bob.user, DOMAIN, bob.password, d);
    const media = dgram.createSocket('udp4');
    await new Promise<void>((r) => media.bind(0, '127.0.0.1', r));
    const a = new TestUa(alice.user, DOMAIN, alice.password, wss.sipd.sipPort, media.address().port);
    await a.open();
    try {
      const call = a.invite(bob.user);
      await prov.fcm.waitFor((m) => m.token === d.prid && (m.message.data as Record<string, string> | undefined)?.kind === 'call', 20_000);
      await phone.open(wss.wssPort);
      assert.equal(await phone.register(), 200);
      const invite = await phone.invited();
      assert.match(invite.get('via') ?? '', /^SIP\/2\.0\/WSS /, 'the INVITE came over the WebSocket');
      const res = await call;
      assert.equal(res.status, 200);
      assert.ok(res.provisionals.includes(180), 'ringing once the woken phone rang');
      const echoed = await rtpExchange(media, res.response.body, 50);
      assert.ok(phone.rtpIn >= 40, `RTP reached the phone through rtpengine: ${phone.rtpIn}`);
      assert.ok(echoed >= 40, `the phone's echo reached the caller through rtpengine: ${echoed}`);
      assert.equal((await a.request(res, 'BYE')).status, 200);
      const deadline = Date.now() + 10_000;
      while (!wss.written.some((c) => c.aLegCallId === res.callId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const c = wss.written.find((x) => x.aLegCallId === res.callId);
      assert.ok(c, 'CDR written');
      assert.equal(c.disposition, 'answered');
      assert.equal(c.callee.device, d.instance);
      assert.ok((c.media.bLeg?.packetsIn ?? 0) >= 40, `b-leg packets: ${JSON.stringify(c.media.bLeg)}`);
    } finally {
      a.close();
      phone.close();
      media.close();
    }
  });
});

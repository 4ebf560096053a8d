// Acceptance: an unmodified drachtio-srf app (npm drachtio-srf 5.0.29, its public API only)
// connected to the real sipd process, with SIPp as the far ends. Every test checks what a user
// sees: SIPp's successful/failed call counts and the messages it traced, the responses srf
// hands to the app, and the events srf emits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, runSipp, sippUas, type SippProcess, type SippResult } from '../support/sipp';
import { assertNoCrash, assertNoRefusedResponses } from './support/output';
import { branch, parseResponse, rawInvite, RawUdpPeer } from './support/raw-udp';
import { connectApp, disconnectApp, sdp, waitFor, type SipError, type SrfApp, type SrfDialog, type SrfMessage, type SrfReq, type SrfRes } from './support/srf';

type Handler = (req: SrfReq, res: SrfRes) => void;

/** The SIP messages SIPp traced (-trace_msg), as one string. */
function traced(r: SippResult): string {
  return readFileSync(path.join(r.outDir, 'messages.log'), 'utf8');
}

function assertCalls(r: SippResult, successful: number): void {
  assert.equal(r.failed, 0, describeSippResult(r));
  assert.equal(r.successful, successful, describeSippResult(r));
}

describe('sipd + drachtio-srf public API (acceptance)', function () {
  this.timeout(60_000);
  let sipd: SipdProcess;
  let srf: SrfApp;
  const uasProcs: SippProcess[] = [];
  // One app connection; each test installs the handlers it needs.
  const handlers: Record<'invite' | 'options' | 'register', Handler | undefined> = { invite: undefined, options: undefined, register: undefined };
  const route = (name: keyof typeof handlers): Handler => (req, res) => {
    const h = handlers[name];
    if (h) h(req, res);
    else res.send(500);
  };

  before(async () => {
    sipd = await startSipd();
    srf = await connectApp(sipd, (app) => {
      app.invite(route('invite'));
      app.options(route('options'));
      app.register(route('register'));
    });
  });

  afterEach(async () => {
    handlers.invite = handlers.options = handlers.register = undefined;
    for (const p of uasProcs.splice(0)) await p.stop(500);
  });

  after(async () => {
    disconnectApp(srf);
    const code = await sipd?.stop();
    assert.equal(code, 0, `sipd exit code; output:\n${sipd?.output().slice(-3000)}`);
    assertNoCrash(sipd.output());
    assertNoRefusedResponses(sipd.output());
  });

  const sipdUri = (): string => `127.0.0.1:${sipd.sipPort}`;
  async function uas(scenario: string, keys?: Record<string, string>, transport: 'u1' | 't1' = 'u1'): Promise<SippProcess> {
    const p = await sippUas({ scenario, timeoutSec: 40, traceMessages: true, transport, ...(keys ? { keys } : {}) });
    uasProcs.push(p);
    return p;
  }

  describe('OPTIONS', () => {
    it('srf.options answers 200 and SIPp (uac-options) sees the 200', async () => {
      const seen: string[] = [];
      handlers.options = (req, res) => {
        seen.push(req.method);
        res.send(200, { headers: { Allow: 'INVITE, ACK, BYE, CANCEL, OPTIONS' } });
      };
      const r = await runSipp({ scenario: 'uac-options.xml', remote: sipdUri(), calls: 1, timeoutSec: 15 });
      assertCalls(r, 1);
      assert.deepEqual(seen, ['OPTIONS']);
    });

    it('srf.request(uri, {method: OPTIONS}) reaches a SIPp UAS and srf gets its 200', async () => {
      const far = await uas('uas-options.xml');
      const res = await waitFor<SrfMessage>((done) => {
        srf.request(`sip:127.0.0.1:${far.localPort}`, { method: 'OPTIONS' }, (err, req) => {
          assert.ifError(err);
          req.on('response', (r) => { if ((r.status ?? 0) >= 200) done(r); });
        });
      }, 10_000, 'the 200 to OPTIONS');
      assert.equal(res.status, 200);
      assert.match(res.get('allow') ?? '', /INVITE/);
      const r = await far.stop(1500);
      assertCalls(r, 1);
    });

    it('an app ACK for a non-2xx final (srf binds ack() to every final) is absorbed: one ACK on the wire, from the transaction (§17.1.1.3), no warning', async () => {
      const far = await uas('uas-busy.xml');
      const ackOutcome = await waitFor<string>((done) => {
        srf.request(`sip:callee@127.0.0.1:${far.localPort}`, {
          method: 'INVITE', body: sdp(1), headers: { 'Content-Type': 'application/sdp', Contact: `<sip:app@127.0.0.1:${sipd.sipPort}>` },
        }, (err, req) => {
          assert.ifError(err);
          req.on('response', (r, ack?: (opts: unknown, cb: (e: unknown) => void) => void) => {
            if ((r.status ?? 0) < 200) return;
            assert.equal(r.status, 486);
            if (!ack) return done('no ack function');
            ack({}, (e) => done(e ? 'refused' : 'sent'));
          });
        });
      }, 10_000, 'the 486 and the app ACK\'s outcome');
      assert.equal(ackOutcome, 'refused');
      const r = await far.stop(3000);
      assertCalls(r, 1);
      assert.equal((traced(r).match(/^ACK sip:/gm) ?? []).length, 1, 'exactly one ACK reached the callee');
      assert.doesNotMatch(sipd.output(), /could not start client transaction/);
    });

    it('srf.request over TCP (;transport=tcp) reaches a SIPp UAS on TCP and srf gets its 200', async () => {
      const far = await uas('uas-options.xml', undefined, 't1');
      const res = await waitFor<SrfMessage>((done) => {
        srf.request(`sip:127.0.0.1:${far.localPort};transport=tcp`, { method: 'OPTIONS' }, (err, req) => {
          assert.ifError(err);
          req.on('response', (r) => { if ((r.status ?? 0) >= 200) done(r); });
        });
      }, 10_000, 'the 200 to OPTIONS over TCP');
      assert.equal(res.status, 200);
      const r = await far.stop(1500);
      assertCalls(r, 1);
      assert.match(traced(r), /Via: SIP\/2\.0\/TCP 127\.0\.0\.1:/);
    });
  });

  describe('createUAS', () => {
    it('answers with the app SDP and a Contact; the ACK reaches the dialog; BYE from the caller emits destroy', async () => {
      const answer = sdp(7, 'sendrecv', 41000);
      const events: string[] = [];
      const destroyed = new Promise<void>((resolve) => {
        handlers.invite = (req, res) => {
          void srf.createUAS(req, res, { localSdp: answer }).then((d: SrfDialog) => {
            events.push('dialog');
            d.on('ack', () => events.push('ack'));
            d.on('destroy', () => { events.push('destroy'); resolve(); });
          });
        };
      });
      const r = await runSipp({ scenario: 'uac-call.xml', remote: sipdUri(), calls: 1, pauseMs: 500, timeoutSec: 20, traceMessages: true });
      assertCalls(r, 1);
      await waitFor<void>((done) => { void destroyed.then(done); }, 5000, "dialog 'destroy'");
      const trace = traced(r);
      const ok = /SIP\/2\.0 200 OK[\s\S]*?\r?\n\r?\n[\s\S]*?(?=\n-{5,}|$)/.exec(trace.slice(trace.indexOf('SIP/2.0 200 OK')))?.[0] ?? '';
      assert.match(ok, /o=- 1 7 IN IP4 127\.0\.0\.1/, 'the 200 carries the app SDP');
      assert.match(ok, /m=audio 41000 RTP\/AVP 0/);
      assert.match(ok, new RegExp(`Contact:\\s*<sip:127\\.0\\.0\\.1:${sipd.sipPort}`, 'i'), 'the 200 has sipd\'s Contact');
      assert.deepEqual(events, ['dialog', 'ack', 'destroy']);
    });

    it('uas.destroy() sends BYE: SIPp (uac-call-remote-bye) receives it and answers 200', async () => {
      handlers.invite = (req, res) => {
        void srf.createUAS(req, res, { localSdp: sdp(1) }).then((d) => {
          d.on('ack', () => { setTimeout(() => { void d.destroy(); }, 200); });
        });
      };
      const r = await runSipp({ scenario: 'uac-call-remote-bye.xml', remote: sipdUri(), calls: 1, timeoutSec: 20, traceMessages: true });
      assertCalls(r, 1);
      assert.match(traced(r), /BYE sip:/);
    });
  });

  describe('reliable provisional responses (RFC 3262)', () => {
    it('a 183 the app sends with Require: 100rel goes out with RSeq, the PRACK reaches the app, then the call is answered', async () => {
      const seen: string[] = [];
      handlers.invite = (req, res) => {
        res.send(183, { headers: { Require: '100rel' }, body: sdp(1) }, (err) => { if (err) seen.push(`183 failed: ${String(err)}`); }, (prack) => {
          seen.push(prack.method ?? '?');
          void srf.createUAS(req, res, { localSdp: sdp(2) }).then(() => seen.push('answered'));
        });
      };
      const r = await runSipp({ scenario: 'uac-call-100rel.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20, traceMessages: true });
      assertCalls(r, 1);
      assert.deepEqual(seen, ['PRACK', 'answered']);
    });

    it('the reliable 183 is retransmitted until PRACK; a PRACK with a wrong RAck gets 481, the right one 200', async () => {
      const pracks: string[] = [];
      handlers.invite = (_req, res) => {
        res.send(183, { headers: { Require: '100rel' } }, undefined, (prack) => {
          pracks.push(prack.get('rack') ?? '');
          res.send(486);
        });
      };
      const peer = await RawUdpPeer.open();
      try {
        const callId = `rel-${branch()}`;
        await peer.send(rawInvite(peer, sipd.sipPort, callId, ['Supported: 100rel']), sipd.sipPort);
        const is183 = (b: Buffer): boolean => parseResponse(b)?.status === 183;
        const first = await peer.next(is183, 3000);
        const again = await peer.next(is183, 3000);
        assert.ok(first && again, 'the 183 is sent and retransmitted (T1) while no PRACK comes');
        const r183 = parseResponse(first);
        const rseq = Number(r183?.header('rseq'));
        assert.ok(rseq > 0, 'the 183 carries RSeq');
        assert.equal(parseResponse(again)?.header('rseq'), String(rseq), 'a retransmission keeps its RSeq');
        assert.match(r183?.header('require') ?? '', /100rel/);
        const prack = (rack: string): Buffer => Buffer.from([
          `PRACK ${/<([^>]+)>/.exec(r183?.header('contact') ?? '')?.[1] ?? ''} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${branch()};rport`, `From: ${r183?.header('from') ?? ''}`,
          `To: ${r183?.header('to') ?? ''}`, `Call-ID: ${callId}`, `CSeq: ${rack.startsWith(String(rseq + 1)) ? 2 : 3} PRACK`,
          `RAck: ${rack}`, 'Max-Forwards: 70', 'Content-Length: 0', '', '',
        ].join('\r\n'));
        const prackAnswer = (b: Buffer): boolean => / PRACK$/.test(parseResponse(b)?.header('cseq') ?? '');
        await peer.send(prack(`${rseq + 1} 1 INVITE`), sipd.sipPort);
        assert.equal(parseResponse((await peer.next(prackAnswer, 3000)) ?? Buffer.alloc(0))?.status, 481, 'RAck of no reliable 1xx ⇒ 481 (RFC 3262 §3)');
        await peer.send(prack(`${rseq} 1 INVITE`), sipd.sipPort);
        assert.equal(parseResponse((await peer.next(prackAnswer, 3000)) ?? Buffer.alloc(0))?.status, 200);
        const final = await peer.next((b) => parseResponse(b)?.status === 486, 3000);
        assert.ok(final, 'the app answered after being told of the PRACK');
        assert.deepEqual(pracks, [`${rseq} 1 INVITE`]);
        peer.drain();
        assert.equal(await peer.next(is183, 1200), undefined, 'no 183 retransmission after the PRACK');
      } finally {
        peer.close();
      }
    });

    it('createUAC: a reliable 183 from the callee is PRACKed by srf through sipd, then the call is answered (uas-answer-100rel)', async () => {
      const far = await uas('uas-answer-100rel.xml');
      const provisional: number[] = [];
      const uac = await srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: sdp(1), headers: { Supported: '100rel' } },
        { cbProvisional: (r) => provisional.push(r.status ?? 0) });
      assert.deepEqual(provisional, [183], 'srf saw the 183 once (retransmissions absorbed)');
      await uac.destroy();
      const r = await far.stop(3000);
      assertCalls(r, 1);
      assert.match(traced(r), /\r?\nRAck: 1 1 INVITE/);
    });

    it('a caller without 100rel support: the reliable 183 is refused and srf gets the error', async () => {
      const errors: string[] = [];
      handlers.invite = (_req, res) => {
        res.send(183, { headers: { Require: '100rel' } }, (err) => {
          errors.push(err === null ? 'sent' : typeof err === 'string' ? err : err.message);
          res.send(480);
        });
      };
      const peer = await RawUdpPeer.open();
      try {
        await peer.send(rawInvite(peer, sipd.sipPort, `norel-${branch()}`), sipd.sipPort);
        const got = await peer.next((b) => (parseResponse(b)?.status ?? 0) > 100, 3000);
        assert.equal(parseResponse(got ?? Buffer.alloc(0))?.status, 480, 'no 183 goes out, the app’s 480 does');
        assert.equal(errors.length, 1);
        assert.match(errors[0] ?? '', /100rel/);
      } finally {
        peer.close();
      }
    });
  });

  describe('createUAC', () => {
    it('calls a SIPp UAS (uas-answer), gets its SDP, and uac.destroy() ends the call', async () => {
      const far = await uas('uas-answer.xml');
      const uac = await srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: sdp(1) });
      assert.equal(uac.type, 'uac');
      assert.match(uac.remote.sdp, /m=audio \d+ RTP\/AVP 0 8/);
      const bye = await uac.destroy();
      assert.ok(bye);
      const r = await far.stop(3000);
      assertCalls(r, 1);
    });

    it('over TCP: the call and its BYE use TCP (SIPp uas-answer -t t1)', async () => {
      const far = await uas('uas-answer.xml', undefined, 't1');
      const uac = await srf.createUAC(`sip:callee@127.0.0.1:${far.localPort};transport=tcp`, { localSdp: sdp(1) });
      assert.match(uac.remote.sdp, /m=audio/);
      await uac.destroy();
      const r = await far.stop(3000);
      assertCalls(r, 1);
      const trace = traced(r);
      assert.match(trace, /BYE sip:[^\r\n]*\r?\nVia: SIP\/2\.0\/TCP|BYE sip:[\s\S]*?Via: SIP\/2\.0\/TCP/);
      assert.doesNotMatch(trace, /Via: SIP\/2\.0\/UDP/);
    });

    for (const [code, scenario, hdr] of [['401', 'uas-auth-challenge.xml', 'Authorization'], ['407', 'uas-proxy-auth-challenge.xml', 'Proxy-Authorization']] as const) {
      it(`retries with digest credentials after ${code} and the call is answered`, async () => {
        const far = await uas(scenario, code === '401' ? { password: 'secret' } : undefined);
        const uac = await srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: sdp(1), auth: { username: 'alice', password: 'secret' } });
        assert.match(uac.remote.sdp, /m=audio/);
        await uac.destroy();
        const r = await far.stop(3000);
        assertCalls(r, 1);
        assert.match(traced(r), new RegExp(`\\n${hdr}:\\s*Digest username="alice"`, 'i'));
      });
    }

    it('wrong credentials: the UAS refuses them and createUAC rejects with the final status', async () => {
      const far = await uas('uas-auth-challenge.xml', { password: 'secret' });
      const err = await srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: sdp(1), auth: { username: 'alice', password: 'wrong' } })
        .then(() => undefined, (e: SipError) => e);
      assert.ok(err, 'createUAC must fail');
      assert.equal(err.status, 403);
      const r = await far.stop(3000);
      assert.equal(r.successful, 0, describeSippResult(r));
    });
  });

  describe('createB2BUA', () => {
    const b2bua = (target: () => number, setup?: (d: { uas: SrfDialog; uac: SrfDialog }) => void): Handler => (req, res) => {
      srf.createB2BUA(req, res, `sip:callee@127.0.0.1:${target()}`, { passFailure: true })
        .then((d) => {
          d.uas.on('destroy', () => { void d.uac.destroy(); });
          d.uac.on('destroy', () => { void d.uas.destroy(); });
          setup?.(d);
        })
        .catch(() => undefined);
    };

    it('answer + BYE: both SIPp sides complete their call', async () => {
      const far = await uas('uas-answer.xml');
      handlers.invite = b2bua(() => far.localPort);
      const r = await runSipp({ scenario: 'uac-call.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
    });

    it('the callee hangs up: its BYE ends the B leg and the app ends the A leg (uas-bye-first → uac-call-remote-bye)', async () => {
      const far = await uas('uas-bye-first.xml');
      handlers.invite = b2bua(() => far.localPort);
      const r = await runSipp({ scenario: 'uac-call-remote-bye.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
    });

    it('TCP caller, UDP callee: answer + BYE complete on both sides', async () => {
      const far = await uas('uas-answer.xml');
      handlers.invite = b2bua(() => far.localPort);
      const r = await runSipp({ scenario: 'uac-call.xml', remote: sipdUri(), transport: 't1', calls: 1, pauseMs: 300, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
    });

    it('486 from the callee reaches the caller (uas-busy → uac-call-busy)', async () => {
      const far = await uas('uas-busy.xml');
      handlers.invite = b2bua(() => far.localPort);
      const r = await runSipp({ scenario: 'uac-call-busy.xml', remote: sipdUri(), calls: 1, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
    });

    it('CANCEL while ringing: the caller gets 200/487 and the callee sees CANCEL and sends 487', async () => {
      const far = await uas('uas-ring-noanswer.xml');
      handlers.invite = b2bua(() => far.localPort);
      const r = await runSipp({ scenario: 'uac-call-cancel.xml', remote: sipdUri(), calls: 1, pauseMs: 500, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
    });

    it('re-INVITE hold is relayed with dialog.modify (uac-reinvite-hold → uas-reinvite-hold)', async () => {
      const far = await uas('uas-reinvite-hold.xml');
      let modified = 0;
      handlers.invite = b2bua(() => far.localPort, ({ uas: a, uac: b }) => {
        a.on('modify', (req, res) => {
          b.modify(req.body).then((answerSdp) => {
            modified++;
            res.send(200, { body: answerSdp });
          }, () => res.send(500));
        });
      });
      const r = await runSipp({ scenario: 'uac-reinvite-hold.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
      assert.equal(modified, 1);
    });

    it('INFO is relayed to the other leg (uac-info → uas-info)', async () => {
      const far = await uas('uas-info.xml');
      const infos: string[] = [];
      handlers.invite = b2bua(() => far.localPort, ({ uas: a, uac: b }) => {
        a.on('info', (req, res) => {
          infos.push(req.body);
          b.request({ method: 'INFO', headers: { 'Content-Type': req.get('content-type') ?? 'application/dtmf-relay' }, body: req.body })
            .then((r) => res.send(r.status ?? 500), () => res.send(500));
        });
      });
      const r = await runSipp({ scenario: 'uac-info.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20 });
      assertCalls(r, 1);
      assertCalls(await far.stop(3000), 1);
      assert.equal(infos.length, 1);
      assert.match(infos[0] ?? '', /Signal=/);
    });
  });

  describe('REGISTER', () => {
    it('a REGISTER handler answers 200 with the Contact echoed and Expires (uac-register)', async () => {
      const regs: Array<{ contact: string; expires: string }> = [];
      handlers.register = (req, res) => {
        const contact = req.get('contact') ?? '';
        const expires = req.get('expires') ?? '3600';
        regs.push({ contact, expires });
        res.send(200, { headers: { Contact: `${contact};expires=${expires}`, Expires: expires } });
      };
      const r = await runSipp({
        scenario: 'uac-register.xml', remote: sipdUri(), calls: 1, timeoutSec: 15, traceMessages: true,
        injectionFiles: [path.join(__dirname, '..', 'sipp', 'users.csv')],
      });
      assertCalls(r, 1);
      assert.equal(regs.length, 1);
      const trace = traced(r);
      const ok = trace.slice(trace.indexOf('SIP/2.0 200 OK'));
      assert.match(ok, /Contact:\s*<sip:u1000@127\.0\.0\.1:\d+;transport=UDP>;expires=3600/i);
      assert.match(ok, /Expires:\s*3600/i);
    });
  });
});

// Acceptance: srf's proxyRequest (unmodified drachtio-srf in this process) on the real sipd, with
// SIPp as caller and callees. Each test checks what every party sees: SIPp's call outcome and
// traced messages for the caller and each callee, and the result srf hands to the app.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, freePort, runSipp, sippUas, type SippProcess, type SippResult } from '../support/sipp';
import { assertNoCrash } from '../sipd/support/output';
import { connectApp, disconnectApp, type SrfApp, type SrfReq, type SrfRes } from '../sipd/support/srf';
import { proxyRequest, type ProxyOptions, type ProxyResult } from './support/proxy';

function traced(r: SippResult): string {
  return readFileSync(path.join(r.outDir, 'messages.log'), 'utf8');
}

function assertCalls(r: SippResult, successful: number, who: string): void {
  assert.equal(r.failed, 0, `${who}: ${describeSippResult(r)}`);
  assert.equal(r.successful, successful, `${who}: ${describeSippResult(r)}`);
}

/** The messages of one kind in a SIPp trace (start lines), in order. */
function startLines(trace: string): string[] {
  return [...trace.matchAll(/^(?:(?:INVITE|ACK|BYE|CANCEL) \S+ SIP\/2\.0|SIP\/2\.0 \d{3}[^\r\n]*)/gm)].map((m) => m[0]);
}

describe('sipd stateful proxy: srf proxyRequest with SIPp', function () {
  this.timeout(90_000);
  let sipd: SipdProcess;
  let srf: SrfApp;
  let onInvite: ((req: SrfReq, res: SrfRes) => void) | undefined;
  const procs: SippProcess[] = [];

  before(async () => {
    sipd = await startSipd();
    srf = await connectApp(sipd, (app) => {
      app.invite((req, res) => (onInvite ? onInvite(req, res) : res.send(500)));
    });
  });

  afterEach(async () => {
    onInvite = undefined;
    for (const p of procs.splice(0)) await p.stop(500);
  });

  after(async () => {
    disconnectApp(srf);
    const code = await sipd?.stop();
    assert.equal(code, 0, `sipd exit code; output:\n${sipd?.output().slice(-3000)}`);
    assertNoCrash(sipd.output());
  });

  async function uas(scenario: string, extra: { keys?: Record<string, string>; pauseMs?: number } = {}): Promise<SippProcess> {
    const p = await sippUas({ scenario, timeoutSec: 60, traceMessages: true, ...extra });
    procs.push(p);
    return p;
  }

  /** Installs an INVITE handler that proxies and resolves with srf's result. */
  function proxyNext(targets: string[], opts: ProxyOptions): Promise<ProxyResult> {
    return new Promise<ProxyResult>((resolve, reject) => {
      onInvite = (req) => { proxyRequest(srf, req, targets, opts).then(resolve, reject); };
    });
  }

  const target = (p: SippProcess): string => `sip:127.0.0.1:${p.localPort}`;
  const sipdHost = (): string => `127.0.0.1:${sipd.sipPort}`;

  // SIPp sends every request of the call to sipd (its remote address), whatever the Request-URI:
  // calls that end with a BYE are record-routed so that BYE is sipd's to forward.
  async function caller(scenario = 'uac-call.xml'): Promise<SippResult> {
    return runSipp({ scenario, remote: sipdHost(), calls: 1, pauseMs: 300, timeoutSec: 40, traceMessages: true });
  }

  async function proxyCoresDrain(): Promise<void> {
    assert.match(await sipd.metrics(), /^drachtio_proxy_cores \d+$/m, 'the gauge is exported');
    const deadline = Date.now() + 10_000;
    let n = -1;
    while (Date.now() < deadline) {
      n = await sipd.metric('drachtio_proxy_cores');
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(n, 0, 'every proxy context is removed (drachtio_proxy_cores)');
  }

  describe('simultaneous forking', () => {
    it('forks to three UASs: the one that answers gets the call, the two others get CANCEL and answer 487', async () => {
      const answering = await uas('uas-ring-answer.xml', { pauseMs: 600 });
      const ringing1 = await uas('uas-ring-noanswer.xml');
      const ringing2 = await uas('uas-ring-noanswer.xml');
      const result = proxyNext([target(ringing1), target(answering), target(ringing2)], { forking: 'simultaneous', remainInDialog: true });
      const run = caller();
      // While the forks ring (the answering UAS waits 600 ms), the gauge shows the context.
      let finished = false;
      void run.finally(() => { finished = true; });
      let peak = 0;
      while (!finished && peak === 0) {
        peak = Math.max(peak, await sipd.metric('drachtio_proxy_cores'));
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(peak, 1, 'drachtio_proxy_cores counts the call setup in progress');
      const c = await run;
      assertCalls(c, 1, 'caller');
      const r = await result;
      assert.equal(r.connected, true);
      assert.equal(r.finalStatus, 200);
      for (const [p, who] of [[ringing1, 'ringing UAS 1'], [ringing2, 'ringing UAS 2']] as const) {
        const res = await p.stop(2500);
        assertCalls(res, 1, who);
        const lines = startLines(traced(res));
        assert.ok(lines.some((l) => l.startsWith('CANCEL ')), `${who} received CANCEL: ${lines.join(' | ')}`);
        assert.match(traced(res), /Reason: SIP;cause=200;text="Call completed elsewhere"/, `${who}: CANCEL carries Reason (RFC 3326)`);
      }
      const a = await answering.stop(2500);
      assertCalls(a, 1, 'answering UAS');
      // Record-Routed: the caller's ACK and BYE reach the callee through sipd (our Via on them).
      const t = traced(a);
      assert.match(t, new RegExp(`Record-Route: <sip:127\\.0\\.0\\.1:${sipd.sipPort};lr>`), 'INVITE carries our Record-Route');
      assert.match(t, new RegExp(`BYE sip:[^\\n]*\\n(?:[^\\n]+\\n)*?Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipd.sipPort};branch=`), 'BYE came through sipd');
      await proxyCoresDrain();
    });
  });

  describe('serial forking', () => {
    it('fails over to the next destination when the first answers 503; srf sees both finals', async () => {
      const overloaded = await uas('uas-503.xml');
      const answering = await uas('uas-answer.xml');
      const result = proxyNext([target(overloaded), target(answering)], { remainInDialog: true });
      const c = await caller();
      assertCalls(c, 1, 'caller');
      const r = await result;
      assert.deepEqual(r.responses.flatMap((x) => x.msgs.map((m) => m.status)), [503, 200]);
      assert.equal(r.connected, true);
      assertCalls(await overloaded.stop(2500), 1, '503 UAS (got its ACK)');
      assertCalls(await answering.stop(2500), 1, 'answering UAS');
      await proxyCoresDrain();
    });

    it('gives up on a destination that does not answer within finalTimeout: CANCEL, then the next one answers', async () => {
      const silent = await uas('uas-ring-noanswer.xml');
      const answering = await uas('uas-answer.xml');
      const result = proxyNext([target(silent), target(answering)], { finalTimeout: '1500ms', remainInDialog: true });
      const started = Date.now();
      const c = await caller();
      assertCalls(c, 1, 'caller');
      assert.ok(Date.now() - started >= 1500, 'the second destination was tried only after finalTimeout');
      const r = await result;
      assert.equal(r.finalStatus, 200);
      const s = await silent.stop(2500);
      assertCalls(s, 1, 'ringing UAS (CANCEL → 487 → ACK)');
      assert.ok(startLines(traced(s)).some((l) => l.startsWith('CANCEL ')));
      assertCalls(await answering.stop(2500), 1, 'answering UAS');
      await proxyCoresDrain();
    });

    it('moves on when a destination sends nothing at all within provisionalTimeout (nothing listening there)', async () => {
      const dead = await freePort();
      const answering = await uas('uas-answer.xml');
      const result = proxyNext([`sip:127.0.0.1:${dead}`, target(answering)], { provisionalTimeout: '800ms', remainInDialog: true });
      const started = Date.now();
      const c = await caller();
      assertCalls(c, 1, 'caller');
      assert.ok(Date.now() - started >= 800, 'the second destination was tried only after provisionalTimeout');
      const r = await result;
      assert.deepEqual(r.responses.flatMap((x) => x.msgs.map((m) => m.status)), [200], 'no final from the silent destination');
      assertCalls(await answering.stop(2500), 1, 'answering UAS');
      await proxyCoresDrain();
    });

    it('sends the best final response upstream when every destination fails (486 beats 503; 503 never goes up)', async () => {
      const busy = await uas('uas-busy.xml');
      const overloaded = await uas('uas-503.xml');
      const result = proxyNext([target(overloaded), target(busy)], {});
      const c = await runSipp({ scenario: 'uac-call-busy.xml', remote: sipdHost(), calls: 1, timeoutSec: 30, traceMessages: true });
      assertCalls(c, 1, 'caller (expects 486)');
      const r = await result;
      assert.equal(r.connected, false);
      assert.deepEqual(r.responses.flatMap((x) => x.msgs.map((m) => m.status)), [503, 486]);
      assert.doesNotMatch(traced(c), /SIP\/2\.0 503/, 'the caller never sees the 503');
      assertCalls(await busy.stop(2500), 1, '486 UAS');
      assertCalls(await overloaded.stop(2500), 1, '503 UAS');
      await proxyCoresDrain();
    });
  });

  describe('redirects', () => {
    it('follows a 302 to the Contact it names (followRedirects)', async () => {
      const fourth = await uas('uas-answer.xml');
      const redirect = await uas('uas-302.xml', { keys: { redirect: `sip:callee@127.0.0.1:${fourth.localPort}` } });
      const result = proxyNext([target(redirect)], { followRedirects: true, remainInDialog: true });
      const c = await caller();
      assertCalls(c, 1, 'caller');
      const r = await result;
      assert.deepEqual(r.responses.flatMap((x) => x.msgs.map((m) => m.status)), [302, 200]);
      assertCalls(await redirect.stop(2500), 1, 'redirect server');
      const f = await fourth.stop(2500);
      assertCalls(f, 1, 'redirect target');
      assert.match(traced(f), new RegExp(`INVITE sip:callee@127\\.0\\.0\\.1:${fourth.localPort} SIP/2\\.0`), 'Request-URI is the Contact of the 302');
      await proxyCoresDrain();
    });
  });

  describe('record-route', () => {
    it('a BYE from the callee reaches the caller through sipd (loose routing, RFC 3261 §16.4)', async () => {
      const callee = await uas('uas-bye-first.xml', { pauseMs: 300 });
      const result = proxyNext([target(callee)], { remainInDialog: true });
      const c = await caller('uac-call-remote-bye.xml');
      assertCalls(c, 1, 'caller');
      assert.equal((await result).connected, true);
      const t = traced(c);
      assert.match(t, new RegExp(`BYE sip:[^\\n]*\\n(?:[^\\n]+\\n)*?Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipd.sipPort};branch=`), 'the BYE arrived with sipd\'s Via');
      const e = await callee.stop(2500);
      assertCalls(e, 1, 'callee');
      assert.match(traced(e), new RegExp(`BYE sip:[^\\n]*\\n(?:[^\\n]+\\n)*?Route: <sip:127\\.0\\.0\\.1:${sipd.sipPort};lr>`), 'the callee routed its BYE to sipd');
      await proxyCoresDrain();
    });
    it('a re-INVITE (hold) and its ACK follow the recorded route through sipd, statefully', async () => {
      const callee = await uas('uas-answer.xml');
      const result = proxyNext([target(callee)], { remainInDialog: true });
      const c = await caller('uac-reinvite-hold.xml');
      assertCalls(c, 1, 'caller (hold answered a=recvonly)');
      assert.equal((await result).connected, true);
      const e = await callee.stop(2500);
      assertCalls(e, 1, 'callee');
      const invites = [...traced(e).matchAll(/INVITE sip:[^\n]*\n(?:[^\n]+\n)*?Via: SIP\/2\.0\/UDP 127\.0\.0\.1:(\d+);branch=/g)].map((m) => m[1]);
      assert.deepEqual(invites, [String(sipd.sipPort), String(sipd.sipPort)], 'both INVITEs came from sipd');
      await proxyCoresDrain();
    });
  });

  describe('double Record-Route (RFC 5658)', () => {
    it('caller over TCP, callee over UDP: two Record-Route entries with r2=on; the callee\'s BYE reaches the caller over TCP', async () => {
      const callee = await uas('uas-bye-first.xml', { pauseMs: 300 });
      const result = proxyNext([target(callee)], { remainInDialog: true });
      const c = await runSipp({ scenario: 'uac-call-remote-bye.xml', remote: sipdHost(), transport: 't1', calls: 1, timeoutSec: 40, traceMessages: true });
      assertCalls(c, 1, 'caller over TCP');
      assert.equal((await result).connected, true);
      const e = await callee.stop(2500);
      assertCalls(e, 1, 'callee over UDP');
      const rr = new RegExp(`Record-Route: <sip:127\\.0\\.0\\.1:${sipd.sipPort};lr;r2=on>(?:, ?|\\r?\\nRecord-Route: )<sip:127\\.0\\.0\\.1:${sipd.sipPort};transport=tcp;lr;r2=on>`);
      assert.match(traced(e), rr, 'the callee sees the UDP-side entry on top, then the TCP-side one');
      assert.match(traced(c), new RegExp(`BYE sip:[^\\n]*\\n(?:[^\\n]+\\n)*?Via: SIP/2\\.0/TCP 127\\.0\\.0\\.1:${sipd.sipPort};branch=`), 'the BYE reached the caller over TCP through sipd');
      await proxyCoresDrain();
    });
  });

  describe('errors', () => {
    it('a call the app proxies back to sipd itself spirals, then loops: 482 (RFC 3261 §16.3 step 4) reaches the caller', async () => {
      const outcomes: string[] = [];
      onInvite = (req) => {
        proxyRequest(srf, req, [`sip:127.0.0.1:${sipd.sipPort}`], {}).then(
          (r) => outcomes.push(`done ${r.finalStatus ?? '-'}`),
          (e: unknown) => outcomes.push(`NOK ${String(e)}`),
        );
      };
      const c = await runSipp({ scenario: 'uac-call-482.xml', remote: sipdHost(), calls: 1, timeoutSec: 20, traceMessages: true });
      assertCalls(c, 1, 'caller (expects 482)');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(outcomes.sort(), ['NOK Rejected with 482 Loop Detected', 'done 482', 'done 482'], 'two passes spiral, the third is the loop');
      await proxyCoresDrain();
    });
    it('answers the app NOK for a transaction id it does not know, and the request stays the app\'s', async () => {
      const nok = new Promise<unknown>((resolve) => {
        onInvite = (req, res) => {
          const bogus = Object.create(req) as SrfReq;
          Object.defineProperty(bogus, 'stackTxnId', { value: 'no-such-transaction' });
          proxyRequest(srf, bogus, ['sip:127.0.0.1:9'], {}).then(() => resolve(undefined), (e: unknown) => {
            resolve(e);
            res.send(486);
          });
        };
      });
      const c = await runSipp({ scenario: 'uac-call-busy.xml', remote: sipdHost(), calls: 1, timeoutSec: 15 });
      assert.match(String(await nok), /Unknown transaction id: no-such-transaction/);
      assertCalls(c, 1, 'caller (the app answered 486 itself)');
    });
  });
});

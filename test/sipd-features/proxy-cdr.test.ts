// Acceptance: drachtio's CDR events for calls sipd proxies (srf proxyRequest), with the proxy
// roles: SIPp caller → sipd (`<cdrs>true</cdrs>`) → SIPp callee, an unmodified srf app routing
// cdr:attempt/start/stop. What drachtio sends (srv sip-proxy-controller.cpp, docs/wire-protocol.md
// §5): attempt for the INVITE received (network) and for each INVITE forwarded (application); the
// final a branch receives is start (network, proxy-uac) or stop (network); the final sent upstream
// is start (application, proxy-uas) or stop (application); a BYE through the record-routed dialog
// is stop normal-release when received (network) and when forwarded (application).
import assert from 'node:assert/strict';
import type { SipdProcess } from '../support/sipd';
import { runSipp, sippUas, type SippProcess } from '../support/sipp';
import { assertNoCrash, assertNoRefusedResponses } from '../sipd/support/output';
import { connectApp, disconnectApp, waitFor, type SrfApp, type SrfMessage, type SrfReq, type SrfRes } from '../sipd/support/srf';
import { proxyRequest, type ProxyOptions, type ProxyResult } from '../sipd-proxy/support/proxy';
import { assertCalls, featureSrf, startFeatureSipd } from './support';

interface Cdr {
  event: 'attempt' | 'start' | 'stop';
  source: string;
  /** role (start) or reason (stop) */
  detail: string | undefined;
  msg: SrfMessage;
}

function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  return waitFor<void>((done) => {
    const t = setInterval(() => { if (cond()) { clearInterval(t); done(); } }, 20);
  }, ms, what);
}

const summary = (cdrs: Cdr[]): Array<[string, string, string | undefined]> => cdrs.map((c) => [c.event, c.source, c.detail]);

describe('sipd proxy: CDR events with the proxy roles (proxy-uac, proxy-uas)', function () {
  this.timeout(60_000);
  let sipd: SipdProcess;
  let srf: SrfApp;
  let onInvite: ((req: SrfReq, res: SrfRes) => void) | undefined;
  const cdrs: Cdr[] = [];
  const procs: SippProcess[] = [];

  before(async () => {
    sipd = await startFeatureSipd({ cdrs: true });
    srf = await connectApp(sipd, (app) => {
      app.invite((req, res) => (onInvite ? onInvite(req, res) : res.send(500)));
      const f = featureSrf(app);
      f.on('cdr:attempt', (source, _time, msg) => cdrs.push({ event: 'attempt', source, detail: undefined, msg }));
      f.on('cdr:start', (source, _time, role, msg) => cdrs.push({ event: 'start', source, detail: role, msg }));
      f.on('cdr:stop', (source, _time, reason, msg) => cdrs.push({ event: 'stop', source, detail: reason, msg }));
    });
  });
  afterEach(async () => {
    onInvite = undefined;
    cdrs.length = 0;
    for (const p of procs.splice(0)) await p.stop(500);
  });
  after(async () => {
    disconnectApp(srf);
    if (!sipd) return;
    const code = await sipd.stop();
    assert.equal(code, 0, `sipd exit code; output:\n${sipd.output().slice(-3000)}`);
    assertNoCrash(sipd.output());
    assertNoRefusedResponses(sipd.output());
  });

  const remote = (): string => `127.0.0.1:${sipd.sipPort}`;

  async function callee(scenario: string, pauseMs?: number): Promise<SippProcess> {
    const p = await sippUas({ scenario, timeoutSec: 30, ...(pauseMs !== undefined ? { pauseMs } : {}) });
    procs.push(p);
    return p;
  }

  function proxyTo(p: SippProcess, opts: ProxyOptions): Promise<ProxyResult> {
    return new Promise<ProxyResult>((resolve, reject) => {
      onInvite = (req) => { proxyRequest(srf, req, [`sip:127.0.0.1:${p.localPort}`], opts).then(resolve, reject); };
    });
  }

  /** Waits for n events, then a little longer so that an extra one would be seen too. */
  async function settle(n: number): Promise<void> {
    await until(() => cdrs.length >= n, 5000, `${n} CDR events`);
    await new Promise((r) => setTimeout(r, 300));
  }

  it('an answered, record-routed call: attempts (network, application), start proxy-uac then proxy-uas, stop normal-release for the BYE received and forwarded', async () => {
    const far = await callee('uas-answer.xml');
    const result = proxyTo(far, { remainInDialog: true });
    const c = await runSipp({ scenario: 'uac-call.xml', remote: remote(), calls: 1, pauseMs: 200, timeoutSec: 20 });
    assertCalls(c, 1, 'caller');
    assert.equal((await result).connected, true);
    assertCalls(await far.stop(3000), 1, 'callee');
    await settle(6);
    assert.deepEqual(summary(cdrs), [
      ['attempt', 'network', undefined],
      ['attempt', 'application', undefined],
      ['start', 'network', 'proxy-uac'],
      ['start', 'application', 'proxy-uas'],
      ['stop', 'network', 'normal-release'],
      ['stop', 'application', 'normal-release'],
    ]);
    const [inInvite, outInvite, okIn, okOut, byeIn, byeOut] = cdrs.map((x) => x.msg);
    assert.equal(inInvite?.method, 'INVITE');
    assert.equal(inInvite?.get('record-route'), undefined, 'the INVITE as received');
    assert.equal(outInvite?.method, 'INVITE');
    assert.match(outInvite?.get('record-route') ?? '', new RegExp(`127\\.0\\.0\\.1:${sipd.sipPort};lr`), 'the INVITE as forwarded, with our Record-Route');
    assert.equal(okIn?.status, 200);
    assert.equal(okOut?.status, 200);
    const vias = (m: SrfMessage | undefined): number => (m?.get('via') ?? '').split('SIP/2.0/').length - 1;
    assert.equal(vias(okIn), vias(okOut) + 1, 'the 200 received still carries our Via; the 200 sent upstream does not');
    assert.equal(byeIn?.method, 'BYE');
    assert.equal(byeOut?.method, 'BYE');
    assert.equal(new Set(cdrs.map((x) => x.msg.get('call-id'))).size, 1, 'one call');
  });

  it('a rejected call: stop call-rejected for the 486 received (network) and for the 486 sent upstream (application); no start', async () => {
    const far = await callee('uas-busy.xml');
    const result = proxyTo(far, {});
    const c = await runSipp({ scenario: 'uac-call-busy.xml', remote: remote(), calls: 1, timeoutSec: 20 });
    assertCalls(c, 1, 'caller (expects 486)');
    assert.equal((await result).connected, false);
    await settle(4);
    assert.deepEqual(summary(cdrs), [
      ['attempt', 'network', undefined],
      ['attempt', 'application', undefined],
      ['stop', 'network', 'call-rejected'],
      ['stop', 'application', 'call-rejected'],
    ]);
    assert.deepEqual(cdrs.slice(2).map((x) => x.msg.status), [486, 486]);
  });

  it('a call the caller cancels: stop call-canceled for the 487 sent upstream and for the 487 the CANCELled callee sends; no start', async () => {
    const far = await callee('uas-ring-noanswer.xml');
    const result = proxyTo(far, {});
    const c = await runSipp({ scenario: 'uac-call-cancel.xml', remote: remote(), calls: 1, pauseMs: 300, timeoutSec: 20 });
    assertCalls(c, 1, 'caller');
    assert.equal((await result).connected, false);
    assertCalls(await far.stop(3000), 1, 'callee (CANCEL → 487 → ACK)');
    await settle(4);
    assert.deepEqual(summary(cdrs), [
      ['attempt', 'network', undefined],
      ['attempt', 'application', undefined],
      ['stop', 'application', 'call-canceled'],
      ['stop', 'network', 'call-canceled'],
    ]);
    assert.deepEqual(cdrs.slice(2).map((x) => x.msg.status), [487, 487]);
  });
});

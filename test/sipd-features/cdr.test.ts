// Acceptance: drachtio's CDR events from the real sipd (`<cdrs>true</cdrs>`) to an unmodified
// drachtio-srf app that listens with srf.on('cdr:attempt' | 'cdr:start' | 'cdr:stop'), for calls
// from SIPp to the app (answered, rejected, cancelled) and from the app to SIPp; the fields are
// the ones drachtio sends (source, time, role/reason, the SIP message), docs/wire-protocol.md §5.
import assert from 'node:assert/strict';
import type { SipdProcess } from '../support/sipd';
import { runSipp, sippUas, type SippProcess } from '../support/sipp';
import { assertNoCrash, assertNoRefusedResponses } from '../sipd/support/output';
import { connectApp, disconnectApp, sdp, waitFor, type SrfApp, type SrfMessage, type SrfReq, type SrfRes } from '../sipd/support/srf';
import { assertCalls, featureSrf, startFeatureSipd } from './support';

interface Cdr {
  event: 'attempt' | 'start' | 'stop';
  source: string;
  time: string;
  /** role (start) or reason (stop) */
  detail: string | undefined;
  msg: SrfMessage;
}

function listen(app: SrfApp, into: Cdr[], events: Array<Cdr['event']> = ['attempt', 'start', 'stop']): void {
  const f = featureSrf(app);
  if (events.includes('attempt')) f.on('cdr:attempt', (source, time, msg) => into.push({ event: 'attempt', source, time, detail: undefined, msg }));
  if (events.includes('start')) f.on('cdr:start', (source, time, role, msg) => into.push({ event: 'start', source, time, detail: role, msg }));
  if (events.includes('stop')) f.on('cdr:stop', (source, time, reason, msg) => into.push({ event: 'stop', source, time, detail: reason, msg }));
}

function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  return waitFor<void>((done) => {
    const t = setInterval(() => { if (cond()) { clearInterval(t); done(); } }, 20);
  }, ms, what);
}

const summary = (cdrs: Cdr[]): Array<[string, string, string | undefined]> => cdrs.map((c) => [c.event, c.source, c.detail]);

describe('sipd: CDR events (cdr:attempt, cdr:start, cdr:stop)', function () {
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
      listen(app, cdrs);
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

  it('an answered call: attempt (network, the INVITE), start (application, uas, the 200), stop (network, normal-release, the BYE)', async () => {
    onInvite = (req, res) => { srf.createUAS(req, res, { localSdp: sdp(1) }).catch(() => undefined); };
    const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), calls: 1, pauseMs: 200, timeoutSec: 20 });
    assertCalls(r, 1, 'caller');
    await until(() => cdrs.length >= 3, 3000, 'three CDR events');
    assert.deepEqual(summary(cdrs), [['attempt', 'network', undefined], ['start', 'application', 'uas'], ['stop', 'network', 'normal-release']]);
    const [attempt, start, stop] = cdrs;
    assert.equal(attempt?.msg.method, 'INVITE');
    assert.equal(start?.msg.status, 200);
    assert.match(start?.msg.get('to') ?? '', /;tag=/, 'the 200 as sent, with our To tag');
    assert.equal(stop?.msg.method, 'BYE');
    assert.equal(new Set(cdrs.map((c) => c.msg.get('call-id'))).size, 1, 'one call');
    for (const c of cdrs) assert.match(c.time, /^\d{2}:\d{2}:\d{2}\.\d{6}$/, 'drachtio’s UTC time of day with microseconds');
  });

  it('a rejected call: attempt, then stop (application, call-rejected, the 486 the app sent)', async () => {
    onInvite = (_req, res) => res.send(486);
    const r = await runSipp({ scenario: 'uac-call-busy.xml', remote: remote(), calls: 1, timeoutSec: 20 });
    assertCalls(r, 1, 'caller');
    await until(() => cdrs.length >= 2, 3000, 'two CDR events');
    assert.deepEqual(summary(cdrs), [['attempt', 'network', undefined], ['stop', 'application', 'call-rejected']]);
    assert.equal(cdrs[1]?.msg.status, 486);
  });

  it('a cancelled call: attempt, then stop (network, call-canceled, the CANCEL); no start', async () => {
    onInvite = (_req, res) => res.send(180);
    const r = await runSipp({ scenario: 'uac-call-cancel.xml', remote: remote(), calls: 1, pauseMs: 300, timeoutSec: 20 });
    assertCalls(r, 1, 'caller');
    await until(() => cdrs.length >= 2, 3000, 'two CDR events');
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(summary(cdrs), [['attempt', 'network', undefined], ['stop', 'network', 'call-canceled']]);
    assert.equal(cdrs[1]?.msg.method, 'CANCEL');
  });

  it('createUAC: attempt (application, the INVITE sent), start (network, uac, the 200), stop (application, normal-release, the app’s BYE)', async () => {
    const far = await sippUas({ scenario: 'uas-answer.xml', timeoutSec: 30 });
    procs.push(far);
    const uac = await srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: sdp(1) });
    await uac.destroy();
    await until(() => cdrs.length >= 3, 3000, 'three CDR events');
    assert.deepEqual(summary(cdrs), [['attempt', 'application', undefined], ['start', 'network', 'uac'], ['stop', 'application', 'normal-release']]);
    assert.match(cdrs[0]?.msg.get('from') ?? '', /;tag=/, 'the INVITE as sent');
    assert.equal(cdrs[1]?.msg.status, 200);
    assert.equal(cdrs[2]?.msg.method, 'BYE');
    assertCalls(await far.stop(3000), 1, 'callee');
  });

  it('createUAC to a busy callee: stop (network, call-rejected, the 486 received)', async () => {
    const far = await sippUas({ scenario: 'uas-busy.xml', timeoutSec: 30 });
    procs.push(far);
    await assert.rejects(srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: sdp(1) }));
    await until(() => cdrs.length >= 2, 3000, 'two CDR events');
    assert.deepEqual(summary(cdrs), [['attempt', 'application', undefined], ['stop', 'network', 'call-rejected']]);
    assert.equal(cdrs[1]?.msg.status, 486);
  });

  it('each event goes to one app, round robin among the apps routing it', async () => {
    const other: Cdr[] = [];
    const second = await connectApp(sipd, (app) => listen(app, other, ['attempt']));
    try {
      await new Promise((res) => setTimeout(res, 200)); // srf's route frames reach sipd
      onInvite = (_req, res) => res.send(486);
      const r = await runSipp({ scenario: 'uac-call-busy.xml', remote: remote(), calls: 2, rate: 10, timeoutSec: 20 });
      assertCalls(r, 2, 'caller');
      await until(() => cdrs.filter((c) => c.event === 'attempt').length + other.length >= 2, 3000, 'two attempts');
      assert.equal(other.length, 1, 'the second app got one attempt');
      assert.equal(cdrs.filter((c) => c.event === 'attempt').length, 1, 'the first app the other');
      assert.equal(cdrs.filter((c) => c.event === 'stop').length, 2, 'stops only go to the app routing cdr:stop');
    } finally {
      disconnectApp(second);
    }
  });

  it('without <cdrs>true</cdrs> an app routing the events gets none', async () => {
    const plain = await startFeatureSipd({ cdrs: false });
    const got: Cdr[] = [];
    const app = await connectApp(plain, (a) => {
      a.invite((_req, res) => res.send(486));
      listen(a, got);
    });
    try {
      const r = await runSipp({ scenario: 'uac-call-busy.xml', remote: `127.0.0.1:${plain.sipPort}`, calls: 1, timeoutSec: 20 });
      assertCalls(r, 1, 'caller');
      await new Promise((res) => setTimeout(res, 500));
      assert.deepEqual(got, []);
    } finally {
      disconnectApp(app);
      assert.equal(await plain.stop(), 0);
    }
  });
});

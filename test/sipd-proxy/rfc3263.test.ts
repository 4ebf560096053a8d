// Acceptance: RFC 3263 resolution on the real sipd (--sipd-dns-server) against dnsmasq on
// loopback. Two SRV targets of different priority, the first one failing; the request must
// reach the second, for a proxied INVITE (srf proxyRequest) and for an app's own INVITE
// (srf createUAC), by 503 and by a refused TCP connection (RFC 3263 §4.3).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, freePort, runSipp, sippUas, type SippProcess, type SippResult } from '../support/sipp';
import { assertNoCrash } from '../sipd/support/output';
import { connectApp, disconnectApp, sdp, type SrfApp, type SrfReq, type SrfRes } from '../sipd/support/srf';
import { startDnsmasq, type DnsServer } from './support/dnsmasq';
import { proxyRequest, type ProxyResult } from './support/proxy';

function traced(r: SippResult): string {
  return readFileSync(path.join(r.outDir, 'messages.log'), 'utf8');
}

function assertCalls(r: SippResult, successful: number, who: string): void {
  assert.equal(r.failed, 0, `${who}: ${describeSippResult(r)}`);
  assert.equal(r.successful, successful, `${who}: ${describeSippResult(r)}`);
}

describe('sipd RFC 3263: SRV failover against dnsmasq on loopback', function () {
  this.timeout(90_000);
  let dns: DnsServer;
  let sipd: SipdProcess;
  let srf: SrfApp;
  let onInvite: ((req: SrfReq, res: SrfRes) => void) | undefined;
  const procs: SippProcess[] = [];
  // Ports fixed before DNS starts: the records name them.
  let udp503: number;
  let udpAnswer: number;
  let tcpDead: number;
  let tcpAnswer: number;
  let udpDead: number;

  before(async () => {
    udp503 = await freePort();
    udpAnswer = await freePort();
    tcpDead = await freePort();
    tcpAnswer = await freePort();
    udpDead = await freePort();
    dns = await startDnsmasq({
      localDomains: ['example.test'],
      a: { 'first.example.test': '127.0.0.1', 'second.example.test': '127.0.0.1' },
      srv: [
        // Listed in the "wrong" order: priority, not order of appearance, decides (RFC 2782).
        { owner: '_sip._udp.example.test', target: 'second.example.test', port: udpAnswer, priority: 20, weight: 0 },
        { owner: '_sip._udp.example.test', target: 'first.example.test', port: udp503, priority: 10, weight: 0 },
        { owner: '_sip._tcp.tcp.example.test', target: 'first.example.test', port: tcpDead, priority: 10, weight: 0 },
        { owner: '_sip._tcp.tcp.example.test', target: 'second.example.test', port: tcpAnswer, priority: 20, weight: 0 },
        // Nothing listens on udpDead: only Timer B (64·T1) tells.
        { owner: '_sip._udp.silent.example.test', target: 'first.example.test', port: udpDead, priority: 10, weight: 0 },
        { owner: '_sip._udp.silent.example.test', target: 'second.example.test', port: udpAnswer, priority: 20, weight: 0 },
      ],
    });
    // T1 = 50 ms makes Timer B 3.2 s, so the timeout failover is quick to observe.
    sipd = await startSipd({ extraArgs: ['--sipd-dns-server', dns.address, '--sipd-t1', '50'] });
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
    await dns?.stop();
    assert.equal(code, 0, `sipd exit code; output:\n${sipd?.output().slice(-3000)}`);
    assertNoCrash(sipd.output());
  });

  async function uas(scenario: string, localPort: number, transport: 'u1' | 't1' = 'u1'): Promise<SippProcess> {
    const p = await sippUas({ scenario, localPort, transport, timeoutSec: 60, traceMessages: true });
    procs.push(p);
    return p;
  }

  it('proxyRequest to sip:example.test: the priority-10 target answers 503, the priority-20 target gets the call', async () => {
    const first = await uas('uas-503.xml', udp503);
    const second = await uas('uas-answer.xml', udpAnswer);
    const result = new Promise<ProxyResult>((resolve, reject) => {
      onInvite = (req) => { proxyRequest(srf, req, 'sip:example.test', { remainInDialog: true }).then(resolve, reject); };
    });
    const c = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${sipd.sipPort}`, calls: 1, pauseMs: 300, timeoutSec: 40, traceMessages: true });
    assertCalls(c, 1, 'caller');
    const r = await result;
    assert.equal(r.connected, true);
    assert.equal(r.finalStatus, 200);
    const f = await first.stop(2500);
    assertCalls(f, 1, 'first SRV target (INVITE → 503 → ACK)');
    assertCalls(await second.stop(2500), 1, 'second SRV target');
    assert.doesNotMatch(traced(c), /SIP\/2\.0 503/, 'the failover is invisible to the caller');
    assert.match(dns.output(), /query\[SRV\] _sip\._udp\.example\.test/, 'sipd asked dnsmasq for the SRV records');
  });

  it('createUAC to sip:callee@example.test: the 503 is not shown to the app; the call reaches the second target', async () => {
    const first = await uas('uas-503.xml', udp503);
    const second = await uas('uas-answer.xml', udpAnswer);
    const uac = await srf.createUAC('sip:callee@example.test', { localSdp: sdp(1) });
    assert.match(uac.remote.sdp, /m=audio \d+ RTP\/AVP 0 8/);
    await uac.destroy();
    assertCalls(await first.stop(2500), 1, 'first SRV target (INVITE → 503 → ACK)');
    const s = await second.stop(2500);
    assertCalls(s, 1, 'second SRV target');
    assert.match(traced(s), /INVITE sip:callee@example\.test SIP\/2\.0/, 'the Request-URI keeps the domain');
  });

  it('createUAC over TCP: the first target refuses the connection, the second gets the call (transport error failover)', async () => {
    const second = await uas('uas-answer.xml', tcpAnswer, 't1');
    const uac = await srf.createUAC('sip:callee@tcp.example.test;transport=tcp', { localSdp: sdp(1) });
    assert.equal(uac.type, 'uac');
    await uac.destroy();
    assertCalls(await second.stop(2500), 1, 'second SRV target over TCP');
    assert.match(sipd.output(), /fails over to the next destination/);
  });

  it('createUAC: no answer at all from the first target (Timer B, 408 inside sipd) moves on to the second', async () => {
    const second = await uas('uas-answer.xml', udpAnswer);
    const started = Date.now();
    const uac = await srf.createUAC('sip:callee@silent.example.test', { localSdp: sdp(1) });
    assert.ok(Date.now() - started >= 64 * 50, 'the second target was tried after Timer B');
    await uac.destroy();
    assertCalls(await second.stop(2500), 1, 'second SRV target');
  });

  it('proxyRequest: no answer at all from the first SRV target (Timer B) moves the branch to the second', async () => {
    const second = await uas('uas-answer.xml', udpAnswer);
    const result = new Promise<ProxyResult>((resolve, reject) => {
      onInvite = (req) => { proxyRequest(srf, req, 'sip:silent.example.test', { remainInDialog: true }).then(resolve, reject); };
    });
    const c = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${sipd.sipPort}`, calls: 1, pauseMs: 300, timeoutSec: 40, traceMessages: true });
    assertCalls(c, 1, 'caller');
    assert.equal((await result).finalStatus, 200);
    assertCalls(await second.stop(2500), 1, 'second SRV target');
  });
});

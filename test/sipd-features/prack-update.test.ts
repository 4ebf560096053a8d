// Acceptance: reliable provisional responses (RFC 3262) and UPDATE (RFC 3311) through the real
// sipd with an unmodified drachtio-srf app, SIPp or a raw UDP peer as the far ends. What each
// party sees is checked: SIPp's call results and traced messages, what srf hands to the app.
import assert from 'node:assert/strict';
import type { SipdProcess } from '../support/sipd';
import { runSipp, sippUas, type SippProcess } from '../support/sipp';
import { assertNoCrash, assertNoRefusedResponses } from '../sipd/support/output';
import { parseResponse, rawInvite, RawUdpPeer } from '../sipd/support/raw-udp';
import { connectApp, disconnectApp, sdp, type SrfApp, type SrfReq, type SrfRes } from '../sipd/support/srf';
import {
  assertCalls, bodyOf, featureSrf, header, isRequest, isResponseTo, rawInDialogRequest, rawResponse, startFeatureSipd, startLines, traced,
  type EarlyReq, type UpdateDialog,
} from './support';

describe('sipd: 100rel and UPDATE end to end (RFC 3262, RFC 3311)', function () {
  this.timeout(60_000);
  let sipd: SipdProcess;
  let srf: SrfApp;
  let onInvite: ((req: SrfReq, res: SrfRes) => void) | undefined;
  const procs: SippProcess[] = [];

  before(async () => {
    sipd = await startFeatureSipd();
    srf = await connectApp(sipd, (app) => app.invite((req, res) => (onInvite ? onInvite(req, res) : res.send(500))));
  });
  afterEach(async () => {
    onInvite = undefined;
    for (const p of procs.splice(0)) await p.stop(500);
  });
  after(async () => {
    disconnectApp(srf);
    if (!sipd) return;
    const code = await sipd.stop();
    assert.equal(code, 0, `sipd exit code; output:\n${sipd?.output().slice(-3000)}`);
    assertNoCrash(sipd.output());
    assertNoRefusedResponses(sipd.output());
  });

  const sipdUri = (): string => `127.0.0.1:${sipd.sipPort}`;
  async function uas(scenario: string, pauseMs?: number): Promise<SippProcess> {
    const p = await sippUas({ scenario, timeoutSec: 40, traceMessages: true, ...(pauseMs !== undefined ? { pauseMs } : {}) });
    procs.push(p);
    return p;
  }
  /** A createB2BUA app whose legs end each other. */
  function b2bua(target: number, opts: Parameters<ReturnType<typeof featureSrf>['createB2BUA']>[3], onReq?: (req: SrfReq) => void): (req: SrfReq, res: SrfRes) => void {
    return (req, res) => {
      onReq?.(req);
      featureSrf(srf).createB2BUA(req, res, `sip:callee@127.0.0.1:${target}`, opts)
        .then((d) => {
          d.uas.on('destroy', () => { void d.uac.destroy(); });
          d.uac.on('destroy', () => { void d.uas.destroy(); });
        })
        .catch(() => undefined);
    };
  }

  describe('reliable provisional responses through createB2BUA', () => {
    it('caller with Require: 100rel, callee answering 183 with Require: 100rel: both legs PRACK, then 200, ACK and BYE complete on both SIPp sides', async () => {
      const far = await uas('uas-answer-100rel.xml');
      onInvite = b2bua(far.localPort, { headers: { Supported: '100rel' }, proxyResponseHeaders: ['require'] });
      const caller = await runSipp({ scenario: 'uac-call-100rel.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20, traceMessages: true });
      const callee = await far.stop(3000);
      assertCalls(caller, 1, 'caller');
      assertCalls(callee, 1, 'callee');

      const a = traced(caller);
      const aLines = startLines(a);
      const i183 = aLines.findIndex((l) => l.startsWith('SIP/2.0 183'));
      const iPrack = aLines.findIndex((l) => l.startsWith('PRACK '));
      const iAnswer = aLines.findIndex((l, i) => i > iPrack + 1 && l.startsWith('SIP/2.0 200'));
      assert.ok(i183 >= 0 && iPrack > i183 && iAnswer > iPrack, `A leg: 183, PRACK, then the INVITE's 200:\n${aLines.join('\n')}`);
      assert.match(a, /\r\nRSeq: \d+\r\n/, 'the 183 to the caller carries RSeq');
      assert.match(a, /\r\nRAck: \d+ 1 INVITE\r\n/, 'the caller PRACKed it');

      const b = traced(callee);
      assert.match(b, /PRACK sip:/, 'srf PRACKed the callee’s 183 through sipd');
      assert.match(b, /\r\nRAck: 1 1 INVITE\r\n/, 'with the callee’s RSeq and the INVITE’s CSeq');
      assert.match(b, /\r\nCSeq: 2 PRACK\r\n/, 'in the early dialog, with the next CSeq');
      assert.match(b, /\r\nSupported: 100rel\r\n/, 'the B leg INVITE offered 100rel');
    });
  });

  describe('reliable provisional responses from an app (RFC 3262 §3)', () => {
    it('a second reliable 1xx waits for the PRACK of the first, and the app’s 200 waits for the PRACK of a reliable 1xx with SDP', async () => {
      onInvite = (req, res) => {
        res.send(183, { headers: { Require: '100rel' }, body: sdp(1) });
        res.send(180, { headers: { Require: '100rel' } });
        srf.createUAS(req, res, { localSdp: sdp(2) }).catch(() => undefined);
      };
      const peer = await RawUdpPeer.open();
      try {
        const callId = `relq-${Date.now()}`;
        await peer.send(rawInvite(peer, sipd.sipPort, callId, ['Supported: 100rel']), sipd.sipPort);
        const is = (status: number) => (b: Buffer): boolean => parseResponse(b)?.status === status;
        const r183 = parseResponse((await peer.next(is(183), 3000)) ?? Buffer.alloc(0));
        assert.ok(r183, 'the reliable 183 went out');
        assert.equal(await peer.next((b) => is(180)(b) || is(200)(b), 800), undefined, 'neither the 180 nor the 200 overtakes the unacknowledged 183');
        const rseq = Number(r183.header('rseq'));
        const prack = (r: NonNullable<ReturnType<typeof parseResponse>>, cseq: number): Buffer => Buffer.from([
          `PRACK ${/<([^>]+)>/.exec(r.header('contact') ?? '')?.[1] ?? ''} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-prack-${cseq}-${callId};rport`, `From: ${r.header('from') ?? ''}`,
          `To: ${r.header('to') ?? ''}`, `Call-ID: ${callId}`, `CSeq: ${cseq} PRACK`, `RAck: ${r.header('rseq') ?? ''} 1 INVITE`,
          'Max-Forwards: 70', 'Content-Length: 0', '', '',
        ].join('\r\n'));
        await peer.send(prack(r183, 2), sipd.sipPort);
        const r180 = parseResponse((await peer.next(is(180), 3000)) ?? Buffer.alloc(0));
        assert.ok(r180, 'the queued reliable 180 goes out after the PRACK');
        assert.equal(Number(r180.header('rseq')), rseq + 1, 'with the next RSeq');
        // The 180 carried no SDP: the 200 need not wait for its PRACK.
        const ok = parseResponse((await peer.next(is(200), 3000)) ?? Buffer.alloc(0));
        assert.ok(ok && / INVITE$/.test(ok.header('cseq') ?? ''), 'then the app’s 200 for the INVITE');
        await peer.send(prack(r180, 3), sipd.sipPort);
        await peer.send(Buffer.from([
          `ACK ${/<([^>]+)>/.exec(ok.header('contact') ?? '')?.[1] ?? ''} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-ack-${callId};rport`,
          `From: ${ok.header('from') ?? ''}`, `To: ${ok.header('to') ?? ''}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Max-Forwards: 70', 'Content-Length: 0', '', '',
        ].join('\r\n')), sipd.sipPort);
        await peer.send(Buffer.from([
          `BYE ${/<([^>]+)>/.exec(ok.header('contact') ?? '')?.[1] ?? ''} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-bye-${callId};rport`,
          `From: ${ok.header('from') ?? ''}`, `To: ${ok.header('to') ?? ''}`, `Call-ID: ${callId}`, 'CSeq: 4 BYE', 'Max-Forwards: 70', 'Content-Length: 0', '', '',
        ].join('\r\n')), sipd.sipPort);
        assert.ok(await peer.next(isResponseTo('BYE', 200), 3000), 'the call ends normally');
      } finally {
        peer.close();
      }
    });
  });

  describe('reliable provisional responses to an app’s INVITE (RFC 3262 §4)', () => {
    it('a retransmitted reliable 183 (same RSeq) is not relayed again, so srf PRACKs once; the next RSeq is relayed and PRACKed', async () => {
      const peer = await RawUdpPeer.open();
      try {
        const provisional: string[] = [];
        const call = srf.createUAC(`sip:callee@127.0.0.1:${peer.port}`, { localSdp: sdp(1), headers: { Supported: '100rel' } },
          { cbProvisional: (r) => provisional.push(`${r.status ?? 0}/${r.get('rseq') ?? ''}`) });
        const invite = (await peer.next(isRequest('INVITE'), 3000))?.toString('latin1') ?? '';
        assert.match(header(invite, 'supported') ?? '', /100rel/);
        const tag = 'relcallee';
        const contact = `<sip:raw@127.0.0.1:${peer.port}>`;
        const rel = (rseq: number): Buffer => rawResponse(invite, 183, 'Session Progress', { toTag: tag, contact, extra: ['Require: 100rel', `RSeq: ${rseq}`] });
        await peer.send(rel(5), sipd.sipPort);
        await peer.send(rel(5), sipd.sipPort);
        const prack1 = (await peer.next(isRequest('PRACK'), 3000))?.toString('latin1') ?? '';
        assert.equal(header(prack1, 'rack'), '5 1 INVITE');
        await peer.send(rawResponse(prack1, 200, 'OK'), sipd.sipPort);
        assert.equal(await peer.next(isRequest('PRACK'), 500), undefined, 'no second PRACK for the retransmission');
        await peer.send(rel(6), sipd.sipPort);
        const prack2 = (await peer.next(isRequest('PRACK'), 3000))?.toString('latin1') ?? '';
        assert.equal(header(prack2, 'rack'), '6 1 INVITE');
        assert.notEqual(header(prack2, 'cseq'), header(prack1, 'cseq'), 'each PRACK is a new request in the early dialog');
        await peer.send(rawResponse(prack2, 200, 'OK'), sipd.sipPort);
        await peer.send(rawResponse(invite, 200, 'OK', { toTag: tag, contact, body: sdp(10, 'sendrecv', 42000) }), sipd.sipPort);
        assert.ok(await peer.next(isRequest('ACK'), 3000));
        const dialog = await call;
        assert.deepEqual(provisional, ['183/5', '183/6']);
        const bye = dialog.destroy();
        const byeReq = (await peer.next(isRequest('BYE'), 3000))?.toString('latin1') ?? '';
        await peer.send(rawResponse(byeReq, 200, 'OK'), sipd.sipPort);
        await bye;
      } finally {
        peer.close();
      }
    });
  });

  describe('UPDATE in an early dialog', () => {
    it('the caller’s UPDATE in the B2BUA’s early dialog reaches the app with the INVITE’s transaction id and srf answers it with the callee’s SDP; the call then completes on both sides', async () => {
      const far = await uas('uas-early-media-answer.xml', 1500);
      const seen: Array<{ invite: string; update: string; body: string }> = [];
      onInvite = b2bua(far.localPort, {}, (req) => {
        (req as unknown as EarlyReq).on('update', (u) => seen.push({ invite: req.stackTxnId, update: u.stackTxnId, body: u.body }));
      });
      const caller = await runSipp({ scenario: 'uac-call-early-update.xml', remote: sipdUri(), calls: 1, pauseMs: 300, timeoutSec: 20, traceMessages: true });
      const callee = await far.stop(3000);
      assertCalls(caller, 1, 'caller');
      assertCalls(callee, 1, 'callee');
      assert.equal(seen.length, 1, 'srf emitted update on the pending INVITE once');
      assert.equal(seen[0]?.update, seen[0]?.invite, 'pushed with the INVITE’s transaction id (srv route_request_inside_invite)');
      assert.match(seen[0]?.body ?? '', /^v=0/);
      const a = traced(caller);
      const answer = /SIP\/2\.0 200 OK\r\n[\s\S]*?CSeq: 2 UPDATE\r\n[\s\S]*?\r\n\r\n(v=0[^]*?)(?:\r\n\r\n|-{10})/.exec(a);
      assert.ok(answer, `the 200 to the UPDATE carries an SDP answer:\n${a.slice(-3000)}`);
      assert.doesNotMatch(traced(callee), /UPDATE sip:/, 'srf answers the early UPDATE itself; the callee never sees it');
    });

    it('createUAC: an UPDATE from the callee in the early dialog is answered by srf with its offer, then the call is answered; UPDATE in the confirmed dialog works both ways and BYE ends it', async () => {
      const peer = await RawUdpPeer.open();
      try {
        const offer = sdp(1);
        const call = srf.createUAC(`sip:callee@127.0.0.1:${peer.port}`, { localSdp: offer });
        const invite = (await peer.next(isRequest('INVITE'), 3000))?.toString('latin1');
        assert.ok(invite, 'the INVITE reached the callee');
        const tag = 'rawcallee';
        const contact = `<sip:raw@127.0.0.1:${peer.port}>`;
        await peer.send(rawResponse(invite, 183, 'Session Progress', { toTag: tag, contact, body: sdp(10, 'sendrecv', 42000) }), sipd.sipPort);
        await peer.send(rawInDialogRequest(invite, 'UPDATE', 1, { port: peer.port, toTag: tag, body: sdp(11, 'sendrecv', 42000) }), sipd.sipPort);
        const upd200 = (await peer.next(isResponseTo('UPDATE'), 3000))?.toString('latin1');
        assert.equal(upd200 && parseResponse(Buffer.from(upd200, 'latin1'))?.status, 200, 'the early UPDATE got 200');
        assert.equal(bodyOf(upd200 ?? ''), offer, 'srf answered with the offer of its INVITE (srf createUAC update handler)');

        await peer.send(rawResponse(invite, 200, 'OK', { toTag: tag, contact, body: sdp(10, 'sendrecv', 42000) }), sipd.sipPort);
        assert.ok(await peer.next(isRequest('ACK'), 3000), 'srf ACKed the 200');
        const dialog = await call;

        // UPDATE from the app in the confirmed dialog (RFC 3311 §5.1): next CSeq, reaches the callee.
        const sent = dialog.request({ method: 'UPDATE', body: sdp(2) });
        const upd = (await peer.next(isRequest('UPDATE'), 3000))?.toString('latin1') ?? '';
        assert.match(header(upd, 'cseq') ?? '', /^2 UPDATE$/, 'the INVITE was CSeq 1, the early dialog used none of ours since');
        assert.match(header(upd, 'to') ?? '', new RegExp(`tag=${tag}`));
        await peer.send(rawResponse(upd, 200, 'OK', { body: sdp(12, 'sendrecv', 42000) }), sipd.sipPort);
        assert.equal((await sent).status, 200, 'the app got the callee’s 200');

        // UPDATE from the callee in the confirmed dialog, refreshing the session (RFC 4028 §9).
        const updates: string[] = [];
        (dialog as unknown as UpdateDialog).on('update', (req, res) => {
          updates.push(req.body);
          res.send(200, { body: sdp(3) });
        });
        await peer.send(rawInDialogRequest(invite, 'UPDATE', 2, { port: peer.port, toTag: tag, body: sdp(13, 'sendrecv', 42000), extra: ['Supported: timer', 'Session-Expires: 120'] }), sipd.sipPort);
        const ok = (await peer.next(isResponseTo('UPDATE'), 3000))?.toString('latin1') ?? '';
        assert.match(ok, /^SIP\/2\.0 200/);
        assert.equal(bodyOf(ok), sdp(3), 'the app’s answer');
        assert.match(header(ok, 'session-expires') ?? '', /^120;refresher=uac$/, 'sipd announces the session interval, refreshed by the UPDATE’s sender');
        assert.match(header(ok, 'require') ?? '', /timer/);
        assert.equal(updates.length, 1);

        const bye = dialog.destroy();
        const byeReq = (await peer.next(isRequest('BYE'), 3000))?.toString('latin1') ?? '';
        assert.match(header(byeReq, 'cseq') ?? '', /^3 BYE$/);
        await peer.send(rawResponse(byeReq, 200, 'OK'), sipd.sipPort);
        await bye;
        assert.equal(await peer.next(isRequest('BYE'), 1000), undefined, 'the BYE was not retransmitted: its 200 was taken');
      } finally {
        peer.close();
      }
    });
  });
});

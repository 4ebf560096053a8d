// Acceptance: the RFC 4475 (and RFC 5118) torture messages over the wire. Each fixture from
// apps/sipd/test/fixtures/rfc4475 is sent in one UDP datagram to the real sipd, which has an
// srf app routing the usual methods; the manifest there says what the server as a whole must do.
//
// The only change made to a fixture: ";rport" is added to its top Via (RFC 3581), so that the
// response comes back to this test's socket instead of the Via's made-up host and port 5060.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT, startSipd, type SipdProcess } from '../support/sipd';
import { assertNoCrash } from './support/output';
import { branch, headersOf, parseResponse, RawUdpPeer, type RawResponse } from './support/raw-udp';
import { connectApp, disconnectApp, sdp, type SrfApp, type SrfReq, type SrfRes } from './support/srf';

// The manifest's shape (apps/sipd/test/fixtures/rfc4475/manifest.ts, owned by the parser work).
type Outcome = 'handle' | 'drop' | number;
interface TortureCase {
  name: string;
  section: string;
  title: string;
  kind: 'request' | 'response';
  valid: boolean;
  expect: Outcome;
  layer: string;
  alternatives?: Outcome[];
  note: string;
}
const FIXTURES = path.join(REPO_ROOT, 'apps', 'sipd', 'test', 'fixtures', 'rfc4475');
const { TORTURE_CASES } = createRequire(__filename)(path.join(FIXTURES, 'manifest.ts')) as { TORTURE_CASES: TortureCase[] };

/** Adds ";rport" to the first value of the first Via header, keeping every other octet. */
export function withRport(msg: Buffer): Buffer {
  const text = msg.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? text : text.slice(0, headEnd);
  const m = /\r\n(via|v)[ \t]*:/i.exec(head);
  if (!m) return msg;
  const start = m.index + m[0].length;
  // The logical header runs until a CRLF not followed by whitespace (RFC 3261 §7.3.1 folding).
  let end = start;
  for (;;) {
    const crlf = head.indexOf('\r\n', end);
    if (crlf < 0) { end = head.length; break; }
    if (head[crlf + 2] === ' ' || head[crlf + 2] === '\t') { end = crlf + 2; continue; }
    end = crlf;
    break;
  }
  const value = head.slice(start, end);
  if (/rport/i.test(value)) return msg;
  const comma = value.indexOf(',');
  const at = comma >= 0 ? start + comma : end;
  return Buffer.from(text.slice(0, at) + ';rport' + text.slice(at), 'latin1');
}

interface AppLog {
  callIds: Set<string>;
  answers: Map<string, number>;
}

/**
 * The test app, a small RFC-minded endpoint: OPTIONS, MESSAGE, BYE → 200; REGISTER → 200, or
 * 401 with a Digest challenge when the credentials use a scheme it does not know (RFC 4475
 * §3.3.7); INVITE → 415 with Accept for a body that is not SDP (RFC 3261 §8.2.3), 406 when
 * Accept excludes SDP (§21.4.7), else 200 with SDP.
 */
function installApp(srf: SrfApp, log: AppLog): void {
  const answer = (req: SrfReq, res: SrfRes, status: number, opts?: { body?: string; headers?: Record<string, string> }): void => {
    const callId = req.get('call-id') ?? '';
    log.callIds.add(callId);
    log.answers.set(callId, status);
    res.send(status, opts);
  };
  srf.options((req, res) => answer(req, res, 200));
  srf.message((req, res) => answer(req, res, 200));
  srf.bye((req, res) => answer(req, res, 200));
  srf.register((req, res) => {
    const auth = req.get('authorization');
    if (auth !== undefined && !/^\s*digest\s/i.test(auth)) {
      answer(req, res, 401, { headers: { 'WWW-Authenticate': 'Digest realm="example.com", nonce="torture", algorithm=MD5' } });
    } else {
      answer(req, res, 200, { headers: { Expires: '3600' } });
    }
  });
  srf.invite((req, res) => {
    const ct = req.get('content-type');
    const accept = req.get('accept');
    if (req.body && ct !== undefined && !/application\/sdp/i.test(ct)) {
      answer(req, res, 415, { headers: { Accept: 'application/sdp' } });
    } else if (accept !== undefined && !/application\/sdp|application\/\*|\*\/\*/i.test(accept)) {
      answer(req, res, 406, { headers: { Accept: 'application/sdp' } });
    } else {
      answer(req, res, 200, { body: sdp(1) });
    }
  });
}

function hasToTag(msg: Buffer): boolean {
  return /;\s*tag\s*=/i.test(headersOf(msg.toString('latin1')).get('to')?.[0] ?? '');
}

function callIdOf(msg: Buffer): string | undefined {
  return headersOf(msg.toString('latin1')).get('call-id')?.[0];
}

describe('RFC 4475 torture messages over UDP to sipd (acceptance)', function () {
  this.timeout(30_000);
  let sipd: SipdProcess;
  let srf: SrfApp;
  let peer: RawUdpPeer;
  const log: AppLog = { callIds: new Set(), answers: new Map() };

  before(async () => {
    // T1 10 ms ⇒ Timer J 640 ms: several fixtures share a branch, sent-by and method (e.g.
    // z9hG4bKkdjuw), which §17.2.3 makes the same transaction; the test waits out Timer J
    // before sending such a message again so it is not absorbed as a retransmission.
    sipd = await startSipd({ loglevel: 'debug', extraArgs: ['--sipd-t1', '10', '--sipd-t2', '40', '--sipd-t4', '50'] });
    srf = await connectApp(sipd, (app) => installApp(app, log));
    peer = await RawUdpPeer.open();
  });

  after(async () => {
    peer?.close();
    // No dialog is left (checked below), so the app leaving makes sipd send no BYE anywhere.
    disconnectApp(srf);
    const code = await sipd?.stop();
    assert.equal(code, 0);
  });

  const isFinalFor = (callId: string | undefined) => (b: Buffer): boolean => {
    const r = parseResponse(b);
    if (!r || r.status < 200) return false;
    return callId === undefined || r.header('call-id') === callId;
  };

  /** ACK (and for a 2xx, BYE) so sipd neither retransmits nor keeps a dialog (RFC 3261 §17.1.1.3, §13.2.2.4). */
  async function finishInvite(sent: Buffer, res: RawResponse): Promise<number | undefined> {
    const text = sent.toString('latin1');
    const h = headersOf(text);
    const seq = /^\s*(\d+)/.exec(h.get('cseq')?.[0] ?? '')?.[1] ?? '1';
    const common = (method: string, cseq: string): string[] => [
      `From: ${res.header('from') ?? ''}`, `To: ${res.header('to') ?? ''}`, `Call-ID: ${res.header('call-id') ?? ''}`,
      `CSeq: ${cseq} ${method}`, 'Max-Forwards: 70', 'Content-Length: 0', '', '',
    ];
    if (res.status >= 300) {
      // ACK for a non-2xx: same branch and Request-URI as the INVITE (§17.1.1.3).
      const ruri = /^INVITE (\S+)/.exec(text)?.[1] ?? '';
      const ack = [`ACK ${ruri} SIP/2.0`, `Via: ${res.header('via') ?? ''}`, ...common('ACK', seq)].join('\r\n');
      await peer.send(Buffer.from(ack, 'latin1'), sipd.sipPort);
      return undefined;
    }
    const target = /<([^>]+)>/.exec(res.header('contact') ?? '')?.[1] ?? `sip:127.0.0.1:${sipd.sipPort}`;
    const via = (): string => `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${branch()};rport`;
    await peer.send(Buffer.from([`ACK ${target} SIP/2.0`, via(), ...common('ACK', seq)].join('\r\n'), 'latin1'), sipd.sipPort);
    const bye = Buffer.from([`BYE ${target} SIP/2.0`, via(), ...common('BYE', String(Number(seq) + 1))].join('\r\n'), 'latin1');
    await peer.send(bye, sipd.sipPort);
    const byeRes = await peer.next((b) => {
      const r = parseResponse(b);
      return !!r && r.status >= 200 && / BYE\s*$/i.test(r.header('cseq') ?? '') && r.header('call-id') === res.header('call-id');
    }, 3000);
    return byeRes ? parseResponse(byeRes)?.status : 0;
  }

  /** §17.2.3 server transaction key of a request: top Via (branch and sent-by) and method. */
  const txKeys = new Set<string>();
  function transactionKey(msg: Buffer): string {
    const h = headersOf(msg.toString('latin1'));
    const via = (h.get('via')?.[0] ?? '').split(',')[0]?.replace(/\s+/g, '').replace(/;rport/i, '') ?? '';
    return `${via}|${/\s(\S+)\s*$/.exec(h.get('cseq')?.[0] ?? '')?.[1] ?? ''}`;
  }

  for (const c of TORTURE_CASES) {
    const outcomes: Outcome[] = [c.expect, ...(c.alternatives ?? [])];
    it(`${c.section} ${c.name} (${c.title}): ${outcomes.join(' or ')}`, async () => {
      const original = readFileSync(path.join(FIXTURES, `${c.name}.sip`));
      const msg = c.kind === 'request' ? withRport(original) : original;
      const callId = callIdOf(msg);
      if (c.kind === 'request') {
        const key = transactionKey(msg);
        if (txKeys.has(key)) await new Promise((r) => setTimeout(r, 700));
        txKeys.add(key);
      }
      peer.drain();
      await peer.send(msg, sipd.sipPort);
      const wantsAnswer = outcomes.some((o) => o !== 'drop') && c.kind === 'request';
      const got = await peer.next(isFinalFor(callId), wantsAnswer ? 2000 : 600);
      const res = got ? parseResponse(got) : undefined;
      const appSaw = callId !== undefined && log.callIds.has(callId);
      const what = res ? `${res.status} ${res.reason}` : 'no response';

      const accepted = outcomes.some((o) => {
        if (o === 'drop') return res === undefined && !appSaw;
        // A response is handled by absorbing it: no transaction of ours wants it (§17.1.3, §18.1.2).
        if (o === 'handle' && c.kind === 'response') return res === undefined;
        if (o === 'handle') {
          if (appSaw && res !== undefined && res.status === log.answers.get(callId ?? '')) return true;
          // §12.2.2: a request with a To tag (or a BYE) that matches no dialog is answered 481 by the UAS core.
          return res?.status === 481 && (hasToTag(msg) || /^BYE /.test(msg.toString('latin1')));
        }
        return res?.status === o;
      });
      if (res && /^INVITE /.test(msg.toString('latin1'))) {
        const byeStatus = await finishInvite(msg, res);
        if (byeStatus !== undefined) assert.equal(byeStatus, 200, `BYE in the dialog created by ${c.name} must be answered 200`);
      }
      if (!accepted && process.env.SIPD_TEST_DEBUG) console.log(sipd.output().split('\n').slice(-15).join('\n'));
      if (!accepted) assert.fail(`expected ${outcomes.join(' or ')}, got ${what}${appSaw ? ' (the app saw it)' : ' (the app did not see it)'}`);
      if (res && res.status === 400) assert.notEqual(res.reason.trim(), '', '400 carries a reason phrase');
      if (res && res.status === 420) assert.match(res.header('unsupported') ?? '', /\S/, '420 lists the Unsupported options (§8.2.2.3)');
    });
  }

  describe('after the torture run', () => {
    it('sipd still answers an OPTIONS with 200 (through the app)', async () => {
      const callId = `alive-${branch()}`;
      const opt = [
        `OPTIONS sip:alive@127.0.0.1:${sipd.sipPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${branch()};rport`,
        'From: <sip:t@127.0.0.1>;tag=1', `To: <sip:alive@127.0.0.1:${sipd.sipPort}>`, `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS',
        'Max-Forwards: 70', 'Content-Length: 0', '', '',
      ].join('\r\n');
      await peer.send(Buffer.from(opt), sipd.sipPort);
      const got = await peer.next(isFinalFor(callId), 2000);
      assert.equal(got ? parseResponse(got)?.status : undefined, 200);
    });

    it('no dialog is left behind and sipd logged no crash', async () => {
      assert.equal(await sipd.metric('sipd_dialogs'), 0);
      assertNoCrash(sipd.output());
    });
  });
});

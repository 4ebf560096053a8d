// messages.ts against drachtio-srf 5.0.29 itself: commands are produced by srf's DrachtioAgent and
// parsed by us; our replies and pushed messages are fed to srf's _onMsg() and must land in the
// fields srf reads (docs/wire-protocol.md §2–§5).
import assert from 'node:assert/strict';
import {
  formatAppCommand,
  formatCdr,
  formatReply,
  formatSipToApp,
  parseAppCommand,
  parseServerMessage,
  type AppCommand,
  type CommandReply,
  type SipCommand,
} from '../../src/wire/messages';
import { formatWireTime, headerValue, type SipMeta } from '../../src/wire/sip-text';
import { makeHarness, type Harness, type SrfRequest, type SrfResponse, type SrfSipMessage } from './srf-harness';

const OPTIONS = [
  'OPTIONS sip:sipd@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bK-1;rport',
  'From: "Zoë 📞" <sip:zoe@example.com>;tag=f1',
  'To: <sip:sipd@127.0.0.1>',
  'Call-ID: call-1@10.0.0.9',
  'CSeq: 7 OPTIONS',
  'Max-Forwards: 70',
  'Contact: <sip:zoe@10.0.0.9:5062>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const INVITE = OPTIONS.replace(/OPTIONS/g, 'INVITE');

const meta = (source: 'network' | 'application', raw: string): SipMeta => ({
  source, bytes: Buffer.byteLength(raw), protocol: 'udp', address: '10.0.0.9', port: 5062, time: formatWireTime(),
});

/** Delivers one server → app message to srf exactly as the socket would (string after framing). */
function deliver(h: Harness, parts: Array<string | Buffer>): void {
  h.agent._onMsg(h.socket, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('utf8'));
}

function lastCommand(h: Harness): AppCommand {
  const cmd = parseAppCommand(h.written[h.written.length - 1] as string);
  assert.notEqual(cmd.type, 'error', JSON.stringify(cmd));
  return cmd as AppCommand;
}

function lastSip(h: Harness): { msgId: string; command: SipCommand } {
  const cmd = lastCommand(h);
  assert.equal(cmd.type, 'sip');
  return cmd as { type: 'sip'; msgId: string; command: SipCommand };
}

function authenticated(tags: string[] = []): Harness {
  const h = makeHarness('s3cret', tags);
  const auth = lastCommand(h);
  assert.equal(auth.type, 'authenticate');
  deliver(h, formatReply('srv-1', auth.msgId, { kind: 'authenticated', hostports: ['udp/127.0.0.1:5060'], version: 'v0.9.10-sipd', localHostports: ['udp/127.0.0.1:5060'] }));
  return h;
}

describe('wire/messages', () => {
  describe('app → server commands written by srf', () => {
    it('authenticate carries the secret and the comma-joined tags (srf _onConnect)', () => {
      const h = makeHarness('pa$$', ['tag-a', 'b:c']);
      assert.deepEqual(lastCommand(h), { type: 'authenticate', msgId: lastCommand(h).msgId, secret: 'pa$$', tags: ['tag-a', 'b:c'] });
      const noTags = parseAppCommand(makeHarness('x').written[0] as string);
      assert.deepEqual(noTags.type === 'authenticate' && noTags.tags, []);
    });

    it('route and remove_route carry the lower-cased verb; routes queued before auth are sent after OK', () => {
      const h = makeHarness();
      h.agent.route('invite');
      assert.equal(h.written.length, 1, 'nothing but authenticate before the OK');
      const auth = lastCommand(h);
      deliver(h, formatReply('s', auth.msgId, { kind: 'authenticated', hostports: ['udp/1.2.3.4:5060'], version: 'v0.9.10', localHostports: [] }));
      const route = lastCommand(h);
      assert.equal(route.type, 'route');
      assert.equal(route.type === 'route' && route.verb, 'invite');
      assert.deepEqual(parseAppCommand('m1|remove_route|OPTIONS'), { type: 'remove_route', msgId: 'm1', verb: 'options' });
    });

    it('srf re-sends every known route whenever a method is added after authentication', () => {
      const h = authenticated();
      const before = h.written.length;
      h.agent.route('invite');
      h.agent.route('message');
      const verbs = h.written.slice(before).map((f) => {
        const c = parseAppCommand(f);
        return c.type === 'route' ? c.verb : c.type;
      });
      assert.deepEqual(verbs, ['invite', 'invite', 'message']);
    });

    it('a new request is kind "request"; opts.proxy becomes routeUrl (5th token)', () => {
      const h = authenticated();
      h.agent.request(h.socket, 'sip:bob@example.com', { method: 'OPTIONS', headers: { 'X-Note': 'ünï' } });
      const { command } = lastSip(h);
      assert.equal(command.kind, 'request');
      assert.ok(command.kind === 'request');
      assert.equal(command.method, 'OPTIONS');
      assert.equal(command.requestUri, 'sip:bob@example.com');
      assert.equal(command.routeUrl, undefined);
      assert.equal(headerValue(command.sip, 'x-note'), 'ünï');
      h.agent.request(h.socket, 'sip:bob@example.com', { method: 'INVITE', proxy: 'sip:10.1.1.1:5080', body: 'v=0\r\n' });
      const viaProxy = lastSip(h).command;
      assert.ok(viaProxy.kind === 'request');
      assert.equal(viaProxy.routeUrl, 'sip:10.1.1.1:5080');
      assert.equal(viaProxy.sip.body, 'v=0\r\n');
    });

    it('an in-dialog request has the dialog id and the sip:placeholder Request-URI', () => {
      const h = authenticated();
      h.agent.request(h.socket, { method: 'BYE', stackDialogId: 'call-9;from-tag=abc' } as object);
      const { command } = lastSip(h);
      assert.ok(command.kind === 'in-dialog');
      assert.equal(command.dialogId, 'call-9;from-tag=abc');
      assert.equal(command.method, 'BYE');
      assert.equal(command.requestUri, 'sip:placeholder');
    });

    it('CANCEL carries the INVITE transaction id (srf Request#cancel)', () => {
      const h = authenticated();
      h.agent.request(h.socket, 'sip:bob@example.com', { method: 'CANCEL', stackTxnId: 'inv-txn-1' });
      const { command } = lastSip(h);
      assert.ok(command.kind === 'cancel');
      assert.equal(command.transactionId, 'inv-txn-1');
    });

    it('a response to a network request is kind "response" keyed by the stack transaction id', () => {
      const h = authenticated();
      const { res } = h.incoming(OPTIONS, { transactionId: 'net-77' });
      res.send(200, { headers: { 'X-Reply': '😀' } });
      const { command } = lastSip(h);
      assert.ok(command.kind === 'response');
      assert.equal(command.transactionId, 'net-77');
      assert.equal(command.status, 200);
      assert.equal(command.reason, 'OK');
      assert.equal(headerValue(command.sip, 'call-id'), 'call-1@10.0.0.9');
      assert.equal(headerValue(command.sip, 'X-Reply'), '😀');
    });

    it('ACK and PRACK are sent with the dialog id of the response (srf sendAck/sendPrack)', () => {
      const h = authenticated();
      const { req, res } = h.incoming(INVITE, {});
      const r = res as SrfResponse & { msg: SrfSipMessage & { headers: Record<string, string> } };
      r.msg.headers.rseq = '1';
      h.agent.sendAck('ACK', 'call-1@10.0.0.9;from-tag=f1', req, res);
      const ack = lastSip(h).command;
      assert.ok(ack.kind === 'ack');
      assert.equal(ack.dialogId, 'call-1@10.0.0.9;from-tag=f1');
      h.agent.sendAck('PRACK', 'call-1@10.0.0.9;from-tag=f1', req, res, { headers: { RAck: '1 7 INVITE' } });
      const prack = lastSip(h).command;
      assert.ok(prack.kind === 'prack');
      assert.equal(headerValue(prack.sip, 'rack'), '1 7 INVITE');
    });

    it('proxy carries flags, timeouts and every destination (srf DrachtioAgent#proxy)', () => {
      const h = authenticated();
      const { req } = h.incoming(INVITE, { transactionId: 'net-5' });
      h.agent.proxy(req, {
        destination: ['sip:a@10.0.0.1', 'sip:b@10.0.0.2'], stackTxnId: 'net-5', remainInDialog: true, fullResponse: true,
        followRedirects: false, simultaneous: true, provisionalTimeout: '2s', finalTimeout: '',
      }, () => undefined);
      const cmd = lastCommand(h);
      assert.ok(cmd.type === 'proxy');
      assert.deepEqual({ ...cmd.command, sip: undefined }, {
        transactionId: 'net-5', recordRoute: true, fullResponse: true, followRedirects: false, simultaneous: true,
        provisionalTimeout: '2s', finalTimeout: '', destinations: ['sip:a@10.0.0.1', 'sip:b@10.0.0.2'], sip: undefined,
      });
      assert.equal(cmd.command.sip?.startLine.kind === 'request' && cmd.command.sip.startLine.requestUri, 'sip:a@10.0.0.1');
    });

    it('formatAppCommand reproduces srf output byte for byte', () => {
      const h = authenticated(['t1']);
      h.agent.request(h.socket, 'sip:bob@example.com', { method: 'MESSAGE', body: 'hé', headers: { 'Content-Type': 'text/plain' } });
      h.incoming(OPTIONS, {}).res.send(486);
      for (const frame of h.written) {
        const cmd = parseAppCommand(frame);
        assert.notEqual(cmd.type, 'error');
        assert.equal(formatAppCommand(cmd as AppCommand), frame);
      }
    });
  });

  describe('malformed commands are typed errors, never throws', () => {
    const cases: Array<[string, string]> = [
      ['justone', 'EFORMAT'],
      ['id|bogus|x', 'EUNKNOWNTYPE'],
      ['id|sip|t1', 'EFORMAT'],
      ['id|route|', 'EFORMAT'],
      ['id|sip|||\r\nthis is not sip', 'EBADSIP'],
      ['id|sip||', 'EBADSIP'],
      ['id|sip|t1|\r\nINVITE sip:x@y SIP/2.0\r\n\r\n', 'EUNSUPPORTED'],
      ['id|sip||\r\nSIP/2.0 200 OK\r\n\r\n', 'EFORMAT'],
      ['id|proxy|t1|||', 'EFORMAT'],
    ];
    for (const [text, code] of cases) {
      it(`${JSON.stringify(text)} → ${code}`, () => {
        const r = parseAppCommand(text);
        assert.equal(r.type, 'error');
        assert.equal(r.type === 'error' && r.error.code, code);
      });
    }
  });

  describe('server → app messages read by srf', () => {
    it('the authenticate OK gives srf hostport, server version and local hostports', async () => {
      const h = makeHarness();
      const got = new Promise<unknown[]>((resolve) => h.agent.on('connect', (...args: never[]) => resolve(args)));
      deliver(h, formatReply('s', lastCommand(h).msgId, { kind: 'authenticated', hostports: ['udp/1.2.3.4:5060', 'tcp/1.2.3.4:5060'], version: 'v0.9.10-sipd', localHostports: ['udp/10.0.0.1:5060'] }));
      assert.deepEqual(await got, [null, 'udp/1.2.3.4:5060,tcp/1.2.3.4:5060', 'v0.9.10-sipd', 'udp/10.0.0.1:5060']);
    });

    it('request-sent gives srf the stack transaction id and the request as sent', () => {
      const h = authenticated();
      let req: SrfRequest | undefined;
      h.agent.request(h.socket, 'sip:bob@example.com', { method: 'OPTIONS' }, (err, r) => { assert.equal(err, null); req = r; });
      const { msgId } = lastSip(h);
      const sent = OPTIONS.replace('sip:sipd@127.0.0.1 SIP', 'sip:bob@example.com SIP');
      deliver(h, formatReply('s', msgId, { kind: 'request-sent', meta: meta('application', sent), transactionId: 'app-txn-1', sip: sent }));
      assert.equal(req?.stackTxnId, 'app-txn-1');
      assert.equal(req?.source, 'application');
      assert.equal(req?.get('call-id'), 'call-1@10.0.0.9');
    });

    it('response-sent sets res.stackDialogId (Dialog.id) and hands srf the response as sent', () => {
      const h = authenticated();
      const { res } = h.incoming(INVITE, { transactionId: 'net-9' });
      let echoed: SrfSipMessage | undefined;
      res.send(200, { body: 'v=0\r\n' }, (err, m) => { assert.equal(err, null); echoed = m; });
      const { msgId } = lastSip(h);
      const sent = 'SIP/2.0 200 OK\r\nTo: <sip:sipd@127.0.0.1>;tag=srv1\r\nContact: <sip:127.0.0.1:5060>\r\nContent-Length: 0\r\n\r\n';
      deliver(h, formatReply('s', msgId, { kind: 'response-sent', meta: meta('application', sent), transactionId: 'net-9', dialogId: 'call-1@10.0.0.9;from-tag=f1', sip: sent }));
      assert.equal(res.stackDialogId, 'call-1@10.0.0.9;from-tag=f1');
      assert.equal(echoed?.get('to'), '<sip:sipd@127.0.0.1>;tag=srv1');
    });

    it('a failure reply reaches the callback as an error; "unable to find dialog" maps to ENODIALOG', () => {
      const h = authenticated();
      let error: (Error & { code?: string }) | undefined;
      h.agent.request(h.socket, { method: 'INFO', stackDialogId: 'gone' } as object, (err: (Error & { code?: string }) | null) => { error = err ?? undefined; });
      deliver(h, formatReply('s', lastSip(h).msgId, { kind: 'failure', reason: 'Server error: unable to find dialog for dialog id provided' }));
      assert.equal(error?.code, 'ENODIALOG');
    });

    it('a network request reaches the middleware with req fields taken from the meta', () => {
      const h = authenticated();
      deliver(h, formatSipToApp('s', { meta: meta('network', OPTIONS), transactionId: 'net-1', dialogId: '', receivedOn: { address: '127.0.0.1', port: 5060 }, raw: OPTIONS }));
      assert.equal(h.handled.length, 1);
      const { req } = h.handled[0] as { req: SrfRequest };
      assert.equal(req.method, 'OPTIONS');
      assert.equal(req.get('Call-ID'), 'call-1@10.0.0.9');
      assert.equal(req.get('From'), '"Zoë 📞" <sip:zoe@example.com>;tag=f1');
      assert.equal(req.source, 'network');
      assert.equal(req.source_address, '10.0.0.9');
      assert.equal(req.source_port, 5062);
      assert.equal(req.protocol, 'udp');
      assert.equal(req.stackTxnId, 'net-1');
      assert.equal(req.stackDialogId, '');
      assert.equal(req.receivedOn, '127.0.0.1:5060');
      assert.equal(req.server?.hostport, 'udp/127.0.0.1:5060');
    });

    it('a CANCEL with the INVITE transaction id makes srf emit "cancel" on the pending INVITE', () => {
      const h = authenticated();
      deliver(h, formatSipToApp('s', { meta: meta('network', INVITE), transactionId: 'inv-1', dialogId: '', raw: INVITE }));
      let canceled = false;
      (h.handled[0] as { req: SrfRequest }).req.on('cancel', () => { canceled = true; });
      const cancel = INVITE.replace(/^INVITE/, 'CANCEL').replace('7 INVITE', '7 CANCEL');
      deliver(h, formatSipToApp('s', { meta: meta('network', cancel), transactionId: 'inv-1', dialogId: '', raw: cancel }));
      assert.equal(canceled, true);
      assert.equal(h.handled.length, 1, 'CANCEL is not passed to the middleware');
    });

    it('a response for an app transaction emits "response" with the dialog id the ACK must carry', () => {
      const h = authenticated();
      let req: SrfRequest | undefined;
      h.agent.request(h.socket, 'sip:bob@example.com', { method: 'INVITE', body: 'v=0\r\n' }, (_e, r) => { req = r; });
      const sent = INVITE.replace('sip:sipd@127.0.0.1 SIP', 'sip:bob@example.com SIP');
      deliver(h, formatReply('s', lastSip(h).msgId, { kind: 'request-sent', meta: meta('application', sent), transactionId: 'uac-1', sip: sent }));
      let status = 0;
      req?.on('response', (...args: unknown[]) => {
        const [res, ack] = args as [SrfResponse, () => void];
        status = res.status;
        ack();
      });
      const ok = 'SIP/2.0 200 OK\r\nCall-ID: call-1@10.0.0.9\r\nCSeq: 7 INVITE\r\nFrom: <sip:a@b>;tag=f1\r\nTo: <sip:bob@example.com>;tag=t2\r\nContact: <sip:bob@10.0.0.2>\r\nContent-Length: 0\r\n\r\n';
      deliver(h, formatSipToApp('s', { meta: meta('network', ok), transactionId: 'uac-1', dialogId: 'call-1@10.0.0.9;from-tag=f1', raw: ok }));
      assert.equal(status, 200);
      const ack = lastSip(h).command;
      assert.ok(ack.kind === 'ack');
      assert.equal(ack.dialogId, 'call-1@10.0.0.9;from-tag=f1');
    });

    it('an "unsolicited" BYE from source application reaches the middleware with res.send stubbed', () => {
      const h = authenticated();
      const bye = OPTIONS.replace(/OPTIONS/g, 'BYE');
      deliver(h, formatSipToApp('s', { meta: meta('application', bye), transactionId: 'unsolicited', dialogId: 'd-1', raw: bye }));
      assert.equal(h.handled.length, 1);
      const before = h.written.length;
      (h.handled[0] as { res: SrfResponse }).res.send(200);
      assert.equal(h.written.length, before, 'no response goes back for an unsolicited BYE');
    });

    it('proxy replies: each "continue" keeps srf\'s callback, "done" ends it', () => {
      const h = authenticated();
      const { req } = h.incoming(INVITE, { transactionId: 'net-5' });
      const seen: string[][] = [];
      h.agent.proxy(req, { destination: ['sip:a@10.0.0.1'], stackTxnId: 'net-5', provisionalTimeout: '', finalTimeout: '' }, (token) => seen.push(token));
      const { msgId } = lastCommand(h);
      const final = 'SIP/2.0 486 Busy Here\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n';
      const r1: CommandReply = { kind: 'proxy-response', meta: meta('network', final), sip: final };
      deliver(h, formatReply('s1', msgId, r1));
      deliver(h, formatReply('s2', msgId, { kind: 'proxy-done' }));
      deliver(h, formatReply('s3', msgId, { kind: 'proxy-done' }));
      assert.equal(seen.length, 2, 'the callback is dropped after done');
      assert.equal(seen[0]?.[0], 'OK');
      assert.equal(seen[0]?.[1], 'network');
      assert.deepEqual(seen[1], ['OK', 'done']);
    });

    it('CDR events reach the cdr handler with source, time, role/reason and the SIP message', () => {
      const h = authenticated();
      const calls: unknown[][] = [];
      h.agent.on('cdr:stop', (...args: never[]) => calls.push(args));
      assert.equal(lastCommand(h).type === 'route' && (lastCommand(h) as { verb: string }).verb, 'cdr:stop');
      deliver(h, formatCdr('s', { event: 'stop', source: 'network', time: '01:02:03.000004', reason: 'normal-release', raw: INVITE }));
      assert.equal(calls.length, 1);
      const [source, time, reason, msg] = calls[0] as [string, string, string, SrfSipMessage];
      assert.deepEqual([source, time, reason, msg.method], ['network', '01:02:03.000004', 'normal-release', 'INVITE']);
    });

    it('parseServerMessage reads back every formatted message', () => {
      const sip = formatSipToApp('m1', { meta: meta('network', OPTIONS), transactionId: 't', dialogId: 'd', raw: OPTIONS });
      const parsed = parseServerMessage(Buffer.concat(sip.map((p) => Buffer.from(p))).toString());
      assert.ok(!(parsed instanceof Error) && parsed.type === 'sip');
      assert.equal(parsed.transactionId, 't');
      assert.equal(parsed.dialogId, 'd');
      assert.equal(parsed.sip, OPTIONS);
      const nok = parseServerMessage(formatReply('m2', 'c1', { kind: 'failure', reason: 'bad|\r\nthing' }).join(''));
      assert.ok(!(nok instanceof Error) && nok.type === 'response');
      assert.deepEqual([nok.ok, nok.status, nok.tokens], [false, 'NOK', ['bad thing']]);
    });

    it('formatWireTime is UTC HH:MM:SS.uuuuuu', () => {
      assert.equal(formatWireTime(Date.UTC(2026, 10, 22, 7, 5, 9, 123)), '07:05:09.123000');
      assert.equal(formatWireTime(Date.UTC(2026, 0, 1, 0, 0, 0, 0), 42), '00:00:00.000042');
    });

    it('formatWireTime matches a fresh Date for every time, across seconds and back (the second is cached)', () => {
      const naive = (ms: number): string => {
        const d = new Date(ms);
        const p = (n: number, w: number): string => String(n).padStart(w, '0');
        return `${p(d.getUTCHours(), 2)}:${p(d.getUTCMinutes(), 2)}:${p(d.getUTCSeconds(), 2)}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
      };
      const base = Date.UTC(2026, 10, 22, 23, 59, 58, 990);
      for (const t of [base, base + 9, base + 10, base + 1010, base + 2011.7, base, base + 86_400_000 + 5]) {
        assert.equal(formatWireTime(t), naive(t), String(t));
      }
    });
  });
});

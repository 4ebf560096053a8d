// Pure parts of flows and NAT: the registered-flow table (core/flows.ts), NAT detection for
// dialogs (core/nat.ts) and local-net (core/local-endpoints.ts).
import assert from 'node:assert/strict';
import { parseMessage, SipRequest, SipResponse, parseUri, type SipMessage } from '../../src/parser';
import { Dialog } from '../../src/dialog/dialog';
import { FlowTable, flowKey, isInvalidHost, registeredFlow } from '../../src/core/flows';
import { inNetwork, LocalEndpoints } from '../../src/core/local-endpoints';
import { isRfc1918, NatDialogs } from '../../src/core/nat';
import type { Endpoint, InboundMessage } from '../../src/transport/types';

function msg(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

function registerOver(connectionId: string | undefined, contact: string, source: Endpoint): { req: SipRequest; inbound: InboundMessage } {
  const req = msg(`REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>\nCall-ID: r1\nCSeq: 1 REGISTER\nContact: ${contact}\nContent-Length: 0\n\n`) as SipRequest;
  const inbound: InboundMessage = { message: req, raw: Buffer.alloc(0), source, local: { protocol: source.protocol, address: '127.0.0.1', port: 8080 }, receivedAt: 0 };
  if (connectionId !== undefined) inbound.connectionId = connectionId;
  return { req, inbound };
}

function ok(req: SipRequest, headers: Record<string, string> = {}, status = 200): SipResponse {
  const res = new SipResponse(status, 'OK');
  for (const [k, v] of Object.entries(headers)) res.set(k, v);
  void req;
  return res;
}

const ws: Endpoint = { protocol: 'ws', address: '127.0.0.1', port: 40001 };

describe('registered flows (drachtio cacheTportForSubscription, RFC 5626)', () => {
  let now = 1_000_000;
  const table = (): FlowTable => new FlowTable(() => now);

  it('keys user@host with a lower-cased host; .invalid hosts are recognised (RFC 6761)', () => {
    assert.equal(flowKey(parseUri('sip:Alice@AbC.Invalid;transport=ws')!), 'Alice@abc.invalid');
    assert.ok(isInvalidHost('df7jal23ls0d.invalid'));
    assert.ok(!isInvalidHost('invalid.example.com'));
  });

  it('a 200 to REGISTER over a connection binds the Contact to it for the granted expiry', () => {
    const t = table();
    const { req, inbound } = registerOver('ws-1', '<sip:k@q.invalid;transport=ws>', ws);
    t.onResponseSent(req, ok(req, { contact: '<sip:k@q.invalid;transport=ws>;expires=60' }), inbound);
    const dest = registeredFlow(t, () => true, parseUri('sip:k@q.invalid;transport=ws'));
    assert.deepEqual(dest, { protocol: 'ws', address: '127.0.0.1', port: 40001, connectionId: 'ws-1', local: inbound.local });
    now += 61_000;
    assert.equal(t.lookup(parseUri('sip:k@q.invalid')!), undefined, 'expired');
    assert.equal(t.size, 0);
  });

  it('nothing is bound for UDP, for non-2xx, or for other methods; expires=0 removes the binding', () => {
    const t = table();
    const udp = registerOver(undefined, '<sip:u@10.0.0.1>', { protocol: 'udp', address: '1.2.3.4', port: 5060 });
    t.onResponseSent(udp.req, ok(udp.req, { expires: '60' }), udp.inbound);
    const { req, inbound } = registerOver('ws-2', '<sip:k@q.invalid;transport=ws>', ws);
    t.onResponseSent(req, ok(req, { expires: '60' }, 401), inbound);
    assert.equal(t.size, 0);
    t.onResponseSent(req, ok(req, { expires: '60' }), inbound);
    assert.equal(t.size, 1);
    t.onResponseSent(req, ok(req, { contact: '<sip:k@q.invalid;transport=ws>;expires=0' }), inbound);
    assert.equal(t.size, 0);
  });

  it('a closed connection takes its bindings with it; a binding whose connection is not open is not used', () => {
    const t = table();
    const { req, inbound } = registerOver('ws-3', '<sip:k@q.invalid;transport=ws>', ws);
    t.onResponseSent(req, ok(req, { expires: '600' }), inbound);
    assert.equal(registeredFlow(t, () => false, parseUri('sip:k@q.invalid')), undefined);
    assert.equal(t.connectionClosed('ws-3'), 1);
    assert.equal(t.size, 0);
    assert.equal(t.connectionClosed('ws-3'), 0);
  });

  it('without expiry in the app response the request Expires is used (sipd leniency)', () => {
    const t = table();
    const { req, inbound } = registerOver('ws-4', '<sip:k@q.invalid;transport=ws>', ws);
    req.set('expires', '30');
    t.onResponseSent(req, ok(req), inbound);
    now += 29_000;
    assert.ok(t.lookup(parseUri('sip:k@q.invalid')!));
    now += 2_000;
    t.sweep();
    assert.equal(t.size, 0);
  });
});

describe("NAT'd dialog peers (drachtio sip-dialog.cpp / processResponseOutsideDialog)", () => {
  const src: Endpoint = { protocol: 'udp', address: '203.0.113.9', port: 31000 };
  const invite = (contact: string, extra = ''): SipRequest => msg(`INVITE sip:svc@192.0.2.1 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK2\nFrom: <sip:c@example.com>;tag=f\nTo: <sip:svc@example.com>\nCall-ID: n1\nCSeq: 1 INVITE\nContact: ${contact}\n${extra}Content-Length: 0\n\n`) as SipRequest;
  const answer = (req: SipRequest, contact: string, extra = ''): SipResponse => msg(`SIP/2.0 200 OK\nVia: ${req.getAll('via')[0]}\nFrom: ${req.get('from')}\nTo: <sip:svc@example.com>;tag=t\nCall-ID: n1\nCSeq: 1 INVITE\nContact: ${contact}\n${extra}Content-Length: 0\n\n`) as SipResponse;

  it('UAS over UDP: a Contact host or port other than the source marks the dialog', () => {
    const nat = new NatDialogs();
    const req = invite('<sip:c@10.0.0.5:5060>');
    const d = Dialog.forUas(req, answer(req, '<sip:svc@192.0.2.1>'), '<sip:svc@192.0.2.1>', src)!;
    assert.ok(nat.checkUas(d, req, src));
    assert.ok(nat.has(d));
    const same = invite('<sip:c@203.0.113.9:31000>');
    assert.ok(!nat.checkUas(Dialog.forUas(same, answer(same, '<sip:x@y>'), '', src)!, same, src));
  });

  it('UAS: not with a Record-Route, not over TCP, not when detection is disabled', () => {
    const rr = invite('<sip:c@10.0.0.5:5060>', 'Record-Route: <sip:192.0.2.9;lr>\n');
    assert.ok(!new NatDialogs().checkUas(Dialog.forUas(rr, answer(rr, '<sip:x@y>'), '', src)!, rr, src));
    const req = invite('<sip:c@10.0.0.5:5060>');
    assert.ok(!new NatDialogs().checkUas(Dialog.forUas(req, answer(req, '<sip:x@y>'), '', src)!, req, { ...src, protocol: 'tcp' }));
    assert.ok(!new NatDialogs({ disabled: true }).checkUas(Dialog.forUas(req, answer(req, '<sip:x@y>'), '', src)!, req, src));
  });

  it('UAC: an INVITE 2xx whose Contact host differs from where it came from, or an RFC 1918 first route', () => {
    const req = invite('<sip:svc@192.0.2.1>');
    const res = answer(req, '<sip:c@10.0.0.5:5060>');
    const d = Dialog.forUac(req, res, src)!;
    assert.ok(new NatDialogs().checkUac(d, 'INVITE', res, src));
    const direct = answer(req, '<sip:c@203.0.113.9:31000>');
    assert.ok(!new NatDialogs().checkUac(Dialog.forUac(req, direct, src)!, 'INVITE', direct, src));
    const routed = answer(req, '<sip:c@203.0.113.9>', 'Record-Route: <sip:10.1.1.1;lr>\n');
    assert.ok(new NatDialogs().checkUac(Dialog.forUac(req, routed, src)!, 'INVITE', routed, src));
    assert.ok(isRfc1918('172.16.0.1') && isRfc1918('192.168.1.1') && !isRfc1918('172.32.0.1'));
  });
});

describe('local-net: peers inside the NAT see the private address (drachtio --local-net)', () => {
  const e = { protocol: 'udp' as const, address: '10.0.0.2', port: 5060, externalAddress: '198.51.100.7', localNet: { network: '10.0.0.0', prefixLength: 8 } };

  it('inNetwork matches IPv4 CIDR', () => {
    assert.ok(inNetwork('10.200.3.4', e.localNet));
    assert.ok(!inNetwork('11.0.0.1', e.localNet));
    assert.ok(!inNetwork('::1', e.localNet));
  });

  it('forProtocol(…, peer) drops the external address only for peers inside local-net', () => {
    const eps = new LocalEndpoints([e]);
    assert.equal(LocalEndpoints.host(eps.forProtocol('udp', false, '10.1.1.1')!), '10.0.0.2');
    assert.equal(LocalEndpoints.host(eps.forProtocol('udp', false, '203.0.113.1')!), '198.51.100.7');
    assert.equal(LocalEndpoints.host(eps.forProtocol('udp')!), '198.51.100.7');
  });
});

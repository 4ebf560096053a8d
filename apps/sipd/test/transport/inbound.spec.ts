import assert from 'node:assert/strict';
import { parseVia, SipRequest } from '../../src/parser';
import { parseContact } from '../../src/transport/contact';
import { processInboundVia, sentByMatcher } from '../../src/transport/inbound';
import { responseDestination } from '../../src/transport/response-routing';
import type { Endpoint } from '../../src/transport/types';

const src: Endpoint = { protocol: 'udp', address: '192.0.2.7', port: 40123 };

function req(via: string): SipRequest {
  const r = new SipRequest('OPTIONS', 'sip:x@y');
  r.append('via', via);
  return r;
}

describe('server-side inbound Via processing (§18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by host is a domain name', () => {
    const r = req('SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1');
    processInboundVia(r, src);
    assert.equal(r.getAll('via')[0], 'SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;received=192.0.2.7');
  });

  it('adds received when the sent-by IP differs from the packet source', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1');
    assert.equal(processInboundVia(r, src)?.params.get('received'), '192.0.2.7');
  });

  it('an empty rport is set to the source port and received is added even when equal to sent-by', () => {
    const r = req('SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1');
    processInboundVia(r, src);
    const via = parseVia(r.getAll('via')[0]!)!;
    assert.equal(via.params.get('rport'), '40123');
    assert.equal(via.params.get('received'), '192.0.2.7');
  });

  it('only the top Via value changes; other values on the same line are kept', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2');
    processInboundVia(r, src);
    assert.deepEqual(r.getAll('via'), ['SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;received=192.0.2.7', 'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2']);
  });

  it('forceRport (drachtio SERVER_RPORT 2): a Via without rport gets rport=<source port> and received, so the response follows the NAT binding', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1');
    const via = processInboundVia(r, src, true)!;
    assert.equal(via.params.get('rport'), '40123');
    assert.equal(via.params.get('received'), '192.0.2.7');
    assert.deepEqual(responseDestination(via, src), { protocol: 'udp', address: '192.0.2.7', port: 40123 });
  });

  it('forceRport keeps an rport value the client already filled', () => {
    const r = req('SIP/2.0/UDP 10.0.0.1:5060;rport=5999;branch=z9hG4bK1');
    assert.equal(processInboundVia(r, src, true)?.params.get('rport'), '5999');
  });

  it('returns undefined when there is no Via', () => {
    assert.equal(processInboundVia(new SipRequest('OPTIONS', 'sip:x@y'), src), undefined);
  });
});

describe('response destination (§18.2.2, RFC 3581)', () => {
  const via = (v: string) => parseVia(v)!;

  it('UDP with rport: received address and rport port', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;rport=40123;received=192.0.2.7'), src),
      { protocol: 'udp', address: '192.0.2.7', port: 40123 });
  });

  it('UDP without rport: received address, sent-by port', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;received=192.0.2.7'), src),
      { protocol: 'udp', address: '192.0.2.7', port: 5070 });
  });

  it('UDP without received: sent-by host, default port 5060', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 192.0.2.7'), src), { protocol: 'udp', address: '192.0.2.7', port: 5060 });
  });

  it('reliable: the connection, else received and the sent-by port', () => {
    const tcp: Endpoint = { protocol: 'tcp', address: '192.0.2.7', port: 40999 };
    assert.deepEqual(responseDestination(via('SIP/2.0/TCP 10.0.0.1:5070;received=192.0.2.7;rport=40999'), tcp, 'tcp-3'),
      { protocol: 'tcp', address: '192.0.2.7', port: 5070, connectionId: 'tcp-3' });
  });

  it('IPv6 sent-by loses its brackets', () => {
    const v6: Endpoint = { protocol: 'udp', address: '::1', port: 5999 };
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP [::1]:5070'), v6), { protocol: 'udp', address: '::1', port: 5070 });
  });
});

describe('sent-by check (§18.1.2)', () => {
  const match = sentByMatcher(['127.0.0.1', 'sip.example.com'], [5060, 5080], false);
  const local: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: 5060 };

  it('accepts our hosts and ports (5060 when the port is absent)', () => {
    assert.equal(match(parseVia('SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK1')!, local), true);
    assert.equal(match(parseVia('SIP/2.0/UDP SIP.example.com;branch=z9hG4bK1')!, local), true);
  });

  it('rejects other hosts or ports', () => {
    assert.equal(match(parseVia('SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK1')!, local), false);
    assert.equal(match(parseVia('SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1')!, local), false);
  });
});

describe('listen contacts (drachtio --contact)', () => {
  it("'sip:HOST:PORT;transport=udp,tcp' gives both protocols on one host:port", () => {
    assert.deepEqual(parseContact('sip:10.0.0.5:5070;transport=udp,tcp'),
      { address: '10.0.0.5', port: 5070, protocols: ['udp', 'tcp'], contact: 'sip:10.0.0.5:5070;transport=udp,tcp' });
  });

  it('IPv6, default port, default transports, and *', () => {
    assert.deepEqual(parseContact('sip:[::1]').protocols, ['udp', 'tcp']);
    assert.equal(parseContact('sip:[::1]').address, '::1');
    assert.equal(parseContact('sip:[::1]').port, 5060);
    assert.equal(parseContact('sip:*:5060;transport=tcp').address, '0.0.0.0');
  });

  it('rejects host names, unknown transports, and sips: with an insecure transport', () => {
    assert.throws(() => parseContact('sip:example.com:5060'));
    assert.throws(() => parseContact('sip:10.0.0.1:5060;transport=sctp'));
    assert.throws(() => parseContact('sips:10.0.0.1:5061;transport=ws'));
  });

  it('accepts tls, ws and wss listeners (RFC 7118 contacts as drachtio writes them)', () => {
    assert.deepEqual(parseContact('sips:10.0.0.1:5061').protocols, ['tls']);
    assert.deepEqual(parseContact('sip:10.0.0.1:8080;transport=ws').protocols, ['ws']);
    assert.deepEqual(parseContact('sips:10.0.0.1:8443;transport=wss').protocols, ['wss']);
  });
});

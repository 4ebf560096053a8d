/// <reference types="mocha" />
// parseVia / formatVia / topVia (RFC 3261 §20.42, §18.2.1; RFC 3581 rport; RFC 5118).
import assert from 'node:assert/strict';
import { formatVia, parseMessage, parseVia, topVia } from '../../src/parser';
import type { Via } from '../../src/parser';
import { BASE_REQUEST, msg } from './build';

function via(text: string): Via {
  const v = parseVia(text);
  if (v === undefined) assert.fail(`parseVia(${JSON.stringify(text)}) failed`);
  return v;
}

describe('parseVia: sent-protocol and sent-by (§20.42)', () => {
  it('reads protocol, transport, host, port and params', () => {
    const v = via('SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7;received=192.0.2.1');
    assert.deepEqual({ ...v, params: [...v.params] }, {
      protocol: 'SIP/2.0', transport: 'UDP', host: 'erlang.bell-telephone.com', port: 5060,
      params: [['branch', 'z9hG4bK87asdks7'], ['received', '192.0.2.1']],
    });
  });
  it('allows LWS around "/" and ":" (RFC 4475 wsinv)', () => {
    const v = via('SIP  /   2.0 / UDP  192.168.255.111 : 5070  ; branch= z9hG4bK30239');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.port, 5070);
    assert.equal(v.params.get('branch'), 'z9hG4bK30239');
  });
  it('upper-cases the transport and accepts unknown ones (RFC 4475 transports)', () => {
    assert.equal(via('SIP/2.0/ws df7jal23ls0d.invalid;branch=z9hG4bK1').transport, 'WS');
    assert.equal(via('SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bK1').transport, 'UNKNOWN');
  });
  it('reads rport without value as null (RFC 3581) and with a value', () => {
    assert.equal(via('SIP/2.0/UDP h;rport;branch=z9hG4bK1').params.get('rport'), null);
    assert.equal(via('SIP/2.0/UDP h;rport=5061;branch=z9hG4bK1').params.get('rport'), '5061');
  });
  it('reads IPv6 sent-by with port and received with or without [] (RFC 5118 §4.5)', () => {
    const v = via('SIP/2.0/UDP [2001:db8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bK1');
    assert.equal(v.host, '[2001:db8::9:1]');
    assert.equal(v.port, 6050);
    assert.equal(v.params.get('received'), '2001:db8::9:255');
  });
  it('rejects a Via without sent-by, with bad separators or empty params (RFC 4475 badinv01)', () => {
    for (const bad of ['SIP/2.0/UDP', 'SIP/2.0 UDP h', 'SIP/2.0/UDPh', 'SIP/2.0/UDP 192.0.2.15;;,;,,', 'SIP/2.0/UDP h;branch=', 'SIP/2.0/UDP h:99999', 'SIP/2.0/UDP [::1', '']) {
      assert.equal(parseVia(bad), undefined, bad);
    }
  });
  it('parses one value: a comma-separated line must be split first (getAll / topVia)', () => {
    assert.equal(parseVia('SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'), undefined);
  });
});

describe('topVia (§8.2.6.1, §17.2.3)', () => {
  it('returns the first value of the first Via line', () => {
    const m = parseMessage(msg(['INVITE sip:b@b SIP/2.0', 'Via: SIP/2.0/TCP a:5060;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2', ...BASE_REQUEST.slice(2)]));
    assert.ok(m.ok);
    if (!m.ok) return;
    assert.equal(topVia(m.message)?.host, 'a');
    assert.equal(topVia(m.message)?.transport, 'TCP');
  });
});

describe('formatVia', () => {
  it('writes the canonical form and is stable', () => {
    const text = 'SIP  / 2.0  / TCP     spindle.example.com   ;\tbranch  =   z9hG4bK9ikj8 ; rport';
    const once = formatVia(via(text));
    assert.equal(once, 'SIP/2.0/TCP spindle.example.com;branch=z9hG4bK9ikj8;rport');
    assert.equal(formatVia(via(once)), once);
  });
  it('writes IPv6 hosts with brackets and the port', () => {
    assert.equal(formatVia(via('SIP/2.0/UDP [::1]:5070;branch=z9hG4bK1')), 'SIP/2.0/UDP [::1]:5070;branch=z9hG4bK1');
  });
});

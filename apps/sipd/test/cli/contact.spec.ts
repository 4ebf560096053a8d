/// <reference types="mocha" />
// Contact URIs as drachtio-server takes them (--contact, <contact>): scheme, host, port,
// transport list; RFC 3261 §19.1.2 and RFC 7118 default ports.
import assert from 'node:assert/strict';
import type { SipContact } from '../../src/cli';
import { parseContact } from '../../src/cli';

function ok(uri: string, extra: { externalIp?: string; localNet?: string } = {}): SipContact {
  const r = parseContact({ uri, dnsNames: [], ...extra });
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

function bad(uri: string, re: RegExp): void {
  const r = parseContact({ uri, dnsNames: [] });
  assert.equal(r.ok, false, `${uri} should be refused`);
  if (!r.ok) assert.match(r.error, re);
}

describe('contact URIs', () => {
  describe('transports', () => {
    it('sip: without a transport listens on udp and tcp', () => {
      assert.deepEqual(ok('sip:*').transports, ['udp', 'tcp']);
    });
    it('sips: without a transport listens on tls', () => {
      assert.deepEqual(ok('sips:*').transports, ['tls']);
    });
    it('transport=udp,tcp lists both; case and spaces are ignored; duplicates collapse', () => {
      assert.deepEqual(ok('sip:*;transport=UDP, tcp,udp').transports, ['udp', 'tcp']);
    });
    it('sip:…;transport=ws and sips:…;transport=wss', () => {
      assert.deepEqual(ok('sip:*:8080;transport=ws').transports, ['ws']);
      assert.deepEqual(ok('sips:*:8443;transport=wss').transports, ['wss']);
    });
    it('RFC 3261 §26.2: sips: refuses udp, tcp and ws', () => {
      bad('sips:*;transport=udp', /not secure/);
      bad('sips:*:8080;transport=ws', /not secure/);
    });
    it('an unknown transport is refused', () => {
      bad('sip:*;transport=sctp', /unknown transport 'sctp'/);
    });
    it('other URI parameters are ignored', () => {
      assert.deepEqual(ok('sip:*;lr;transport=tcp;foo=bar').transports, ['tcp']);
    });
  });

  describe('host and port', () => {
    it('* binds every interface (0.0.0.0)', () => {
      const c = ok('sip:*');
      assert.equal(c.host, '*');
      assert.equal(c.bindAddress, '0.0.0.0');
    });
    it('IPv4, hostname and bracketed IPv6 hosts', () => {
      assert.equal(ok('sip:192.0.2.1').bindAddress, '192.0.2.1');
      assert.equal(ok('sip:sip.example.com:5070').host, 'sip.example.com');
      const v6 = ok('sip:[::1]:5070;transport=tcp');
      assert.deepEqual([v6.host, v6.bindAddress, v6.port], ['::1', '::1', 5070]);
    });
    it('default ports: 5060 udp/tcp, 5061 tls (RFC 3261 §19.1.2), 80 ws, 443 wss (RFC 7118)', () => {
      assert.equal(ok('sip:*;transport=udp,tcp').port, 5060);
      assert.equal(ok('sips:*;transport=tls').port, 5061);
      assert.equal(ok('sip:*;transport=ws').port, 80);
      assert.equal(ok('sips:*;transport=wss').port, 443);
      assert.equal(ok('sip:*').portExplicit, false);
      assert.equal(ok('sip:*:5080').portExplicit, true);
    });
    it('transports with different default ports need an explicit port', () => {
      bad('sip:*;transport=udp,ws', /different default ports; give a port/);
      assert.equal(ok('sip:*:5066;transport=tcp,ws').port, 5066);
    });
    it('refuses a bad port, a bad host, a user part and a missing scheme', () => {
      bad('sip:*:0', /invalid port '0'/);
      bad('sip:*:65536', /invalid port/);
      bad('sip:*:http', /invalid port/);
      bad('sip:bad_host!', /invalid host/);
      bad('sip:[::1', /unterminated IPv6/);
      bad('sip:[fe80::zz]', /invalid IPv6/);
      bad('sip:alice@127.0.0.1', /no user part/);
      bad('127.0.0.1:5060', /must start with sip: or sips:/);
      bad('sip:', /missing host/);
    });
  });

  describe('NAT attributes', () => {
    it('external-ip must be IPv4 (drachtio: dot-decimal only)', () => {
      assert.equal(ok('sip:10.0.0.1', { externalIp: '198.51.100.1' }).externalIp, '198.51.100.1');
      const r = parseContact({ uri: 'sip:10.0.0.1', externalIp: '2001:db8::1', dnsNames: [] });
      assert.equal(r.ok, false);
    });
    it('local-net is IPv4 CIDR', () => {
      assert.deepEqual(ok('sip:10.0.0.1', { localNet: '192.168.0.0/24' }).localNet, { network: '192.168.0.0', prefixLength: 24 });
      const r = parseContact({ uri: 'sip:10.0.0.1', localNet: '192.168.0.0/abc', dnsNames: [] });
      assert.equal(r.ok, false);
    });
  });
});

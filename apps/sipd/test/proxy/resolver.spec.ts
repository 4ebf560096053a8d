import assert from 'node:assert/strict';
import { parseUri } from '../../src/parser';
import { TargetResolver, type DnsQueries } from '../../src/core/target';
import { orderSrv, type SrvRecord } from '../../src/core/proxy/srv-order';
import type { Destination, Protocol } from '../../src/transport/types';

type Naptr = Awaited<ReturnType<DnsQueries['resolveNaptr']>>[number];

/** A fake DNS: answers from tables, records every query, ENOTFOUND for anything else. */
class FakeDns implements DnsQueries {
  readonly queries: string[] = [];
  constructor(private readonly t: { naptr?: Record<string, Naptr[]>; srv?: Record<string, SrvRecord[]>; a?: Record<string, string[]>; aaaa?: Record<string, string[]> }) {}
  private answer<T>(kind: string, name: string, table: Record<string, T[]> | undefined): Promise<T[]> {
    this.queries.push(`${kind} ${name}`);
    const v = table?.[name];
    return v ? Promise.resolve(v) : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
  }
  resolveNaptr(name: string): Promise<Naptr[]> { return this.answer('NAPTR', name, this.t.naptr); }
  resolveSrv(name: string): Promise<SrvRecord[]> { return this.answer('SRV', name, this.t.srv); }
  resolve4(name: string): Promise<string[]> { return this.answer('A', name, this.t.a); }
  resolve6(name: string): Promise<string[]> { return this.answer('AAAA', name, this.t.aaaa); }
}

const naptr = (order: number, preference: number, service: string, replacement: string): Naptr =>
  ({ flags: 'S', service, regexp: '', replacement, order, preference });

async function resolve(uri: string, dns: FakeDns, supports?: Protocol[]): Promise<string[]> {
  const r = new TargetResolver({ dns, random: () => 0, ...(supports ? { supports: (p: Protocol) => supports.includes(p) } : {}) });
  const list: Destination[] = await r.resolve(parseUri(uri)!);
  return list.map((d) => `${d.protocol}:${d.address}:${d.port}`);
}

describe('RFC 3263 target resolution (TargetResolver)', () => {
  describe('numeric hosts and explicit ports (§4.1, §4.2)', () => {
    it('a numeric IP is used as is, UDP by default, 5060 by default; no DNS query', async () => {
      const dns = new FakeDns({});
      assert.deepEqual(await resolve('sip:10.0.0.1', dns), ['udp:10.0.0.1:5060']);
      assert.deepEqual(await resolve('sip:[::1]:5080;transport=tcp', dns), ['tcp:::1:5080']);
      assert.deepEqual(await resolve('sips:10.0.0.1', dns), ['tls:10.0.0.1:5061']);
      assert.deepEqual(dns.queries, []);
    });
    it('a name with a port goes straight to A/AAAA (no NAPTR, no SRV)', async () => {
      const dns = new FakeDns({ a: { 'pbx.test': ['10.0.0.2'] }, aaaa: { 'pbx.test': ['2001:db8::2'] } });
      assert.deepEqual(await resolve('sip:pbx.test:5090', dns), ['udp:10.0.0.2:5090', 'udp:2001:db8::2:5090']);
      assert.deepEqual(dns.queries, ['A pbx.test', 'AAAA pbx.test']);
    });
    it('maddr overrides the host', async () => {
      assert.deepEqual(await resolve('sip:bob@pbx.test;maddr=10.9.9.9', new FakeDns({})), ['udp:10.9.9.9:5060']);
    });
  });

  describe('NAPTR (§4.1)', () => {
    it('follows NAPTR order then preference to SRV, then A records, keeping each record\'s transport', async () => {
      const dns = new FakeDns({
        naptr: { 'ex.test': [naptr(20, 10, 'SIP+D2U', '_sip._udp.ex.test'), naptr(10, 20, 'SIP+D2T', '_sip._tcp.ex.test'), naptr(10, 10, 'SIPS+D2T', '_sips._tcp.ex.test')] },
        srv: {
          '_sip._udp.ex.test': [{ name: 'u.ex.test', port: 5060, priority: 1, weight: 0 }],
          '_sip._tcp.ex.test': [{ name: 't.ex.test', port: 5070, priority: 1, weight: 0 }],
          '_sips._tcp.ex.test': [{ name: 's.ex.test', port: 5061, priority: 1, weight: 0 }],
        },
        a: { 'u.ex.test': ['10.0.0.1'], 't.ex.test': ['10.0.0.2'], 's.ex.test': ['10.0.0.3'] },
      });
      assert.deepEqual(await resolve('sip:ex.test', dns), ['tls:10.0.0.3:5061', 'tcp:10.0.0.2:5070', 'udp:10.0.0.1:5060']);
    });
    it('skips NAPTR services for transports we do not listen on', async () => {
      const dns = new FakeDns({
        naptr: { 'ex.test': [naptr(10, 10, 'SIPS+D2T', '_sips._tcp.ex.test'), naptr(20, 10, 'SIP+D2U', '_sip._udp.ex.test')] },
        srv: { '_sips._tcp.ex.test': [{ name: 's.ex.test', port: 5061, priority: 1, weight: 0 }], '_sip._udp.ex.test': [{ name: 'u.ex.test', port: 5060, priority: 1, weight: 0 }] },
        a: { 's.ex.test': ['10.0.0.3'], 'u.ex.test': ['10.0.0.1'] },
      });
      assert.deepEqual(await resolve('sip:ex.test', dns, ['udp', 'tcp']), ['udp:10.0.0.1:5060']);
    });
    it('a sips URI only uses secure NAPTR services', async () => {
      const dns = new FakeDns({
        naptr: { 'ex.test': [naptr(10, 10, 'SIP+D2U', '_sip._udp.ex.test'), naptr(20, 10, 'SIPS+D2T', '_sips._tcp.ex.test')] },
        srv: { '_sip._udp.ex.test': [{ name: 'u.ex.test', port: 5060, priority: 1, weight: 0 }], '_sips._tcp.ex.test': [{ name: 's.ex.test', port: 5061, priority: 1, weight: 0 }] },
        a: { 'u.ex.test': ['10.0.0.1'], 's.ex.test': ['10.0.0.3'] },
      });
      assert.deepEqual(await resolve('sips:ex.test', dns), ['tls:10.0.0.3:5061']);
    });
  });

  describe('SRV (§4.2) and fallbacks', () => {
    it('without NAPTR, queries SRV for each supported transport in UDP, TCP, TLS order', async () => {
      const dns = new FakeDns({
        srv: { '_sip._tcp.ex.test': [{ name: 't.ex.test', port: 5070, priority: 1, weight: 0 }], '_sip._udp.ex.test': [{ name: 'u.ex.test', port: 5080, priority: 1, weight: 0 }] },
        a: { 't.ex.test': ['10.0.0.2'], 'u.ex.test': ['10.0.0.1'] },
      });
      assert.deepEqual(await resolve('sip:ex.test', dns, ['udp', 'tcp']), ['udp:10.0.0.1:5080', 'tcp:10.0.0.2:5070']);
      assert.deepEqual(dns.queries.filter((q) => q.startsWith('SRV')), ['SRV _sip._udp.ex.test', 'SRV _sip._tcp.ex.test']);
    });
    it('SRV targets are ordered by priority, not by the order DNS returned them', async () => {
      const dns = new FakeDns({
        srv: { '_sip._udp.ex.test': [{ name: 'b.ex.test', port: 5082, priority: 20, weight: 0 }, { name: 'a.ex.test', port: 5081, priority: 10, weight: 0 }] },
        a: { 'a.ex.test': ['10.0.0.1'], 'b.ex.test': ['10.0.0.2'] },
      });
      assert.deepEqual(await resolve('sip:ex.test', dns, ['udp']), ['udp:10.0.0.1:5081', 'udp:10.0.0.2:5082']);
    });
    it('a transport parameter selects that SRV name only', async () => {
      const dns = new FakeDns({ srv: { '_sip._tcp.ex.test': [{ name: 't.ex.test', port: 5070, priority: 1, weight: 0 }] }, a: { 't.ex.test': ['10.0.0.2'] } });
      assert.deepEqual(await resolve('sip:ex.test;transport=tcp', dns), ['tcp:10.0.0.2:5070']);
      assert.deepEqual(dns.queries, ['SRV _sip._tcp.ex.test', 'A t.ex.test', 'AAAA t.ex.test']);
    });
    it('no NAPTR and no SRV: A/AAAA of the name on 5060 over UDP (TLS 5061 for sips)', async () => {
      const dns = new FakeDns({ a: { 'ex.test': ['10.0.0.7'] } });
      assert.deepEqual(await resolve('sip:ex.test', dns, ['udp']), ['udp:10.0.0.7:5060']);
      assert.deepEqual(await resolve('sips:ex.test', dns, ['tls']), ['tls:10.0.0.7:5061']);
    });
    it('a name that resolves to nothing is an error', async () => {
      await assert.rejects(resolve('sip:nowhere.test', new FakeDns({})), /cannot resolve nowhere\.test/);
    });
    it('an SRV target "." (service not offered) is skipped', async () => {
      const dns = new FakeDns({ srv: { '_sip._udp.ex.test': [{ name: '.', port: 0, priority: 1, weight: 0 }] }, a: { 'ex.test': ['10.0.0.7'] } });
      assert.deepEqual(await resolve('sip:ex.test', dns, ['udp']), ['udp:10.0.0.7:5060']);
    });
  });

  describe('RFC 2782 weighted order within a priority', () => {
    const recs = [
      { name: 'light', port: 1, priority: 5, weight: 10 },
      { name: 'heavy', port: 2, priority: 5, weight: 90 },
      { name: 'backup', port: 3, priority: 9, weight: 100 },
    ];
    it('lower priority always comes first whatever the weights', () => {
      for (const draw of [0, 0.3, 0.99]) assert.equal(orderSrv(recs, () => draw).at(-1)?.name, 'backup');
    });
    it('the running-sum draw picks by weight: low draw → light first, high draw → heavy first', () => {
      assert.deepEqual(orderSrv(recs, () => 0.05).map((r) => r.name), ['light', 'heavy', 'backup']);
      assert.deepEqual(orderSrv(recs, () => 0.5).map((r) => r.name), ['heavy', 'light', 'backup']);
    });
    it('over many draws the share of "heavy first" follows the weights (≈ 90 %)', () => {
      let heavyFirst = 0;
      for (let i = 0; i < 2000; i++) if (orderSrv(recs)[0]!.name === 'heavy') heavyFirst++;
      assert.ok(heavyFirst > 1600 && heavyFirst < 1960, `heavy first ${heavyFirst}/2000`);
    });
  });
});

// Acceptance (issue 5) for what SIPp 3.6.1 cannot drive: SHA-256 digest (RFC 8760; SIPp only
// computes MD5), several devices keyed by +sip.instance, push parameters (RFC 8599), NAT
// expiry, Path, outbound, events, expiry on time, ownership (403), Max-Forwards and OPTIONS.
// The client is test/registrar/support/digest-client.ts (plain UDP, loopback).
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { StackHandle } from '@openline/stack';
import { reachableDevices, subscribeLocationEvents, DEFAULT_PREFIX, type BindingEvent, type PresenceEvent } from '@openline/location';
import { getSharedStack } from '../support/stack';
import { runSipp, describeSippResult } from '../support/sipp';
import { locationOf } from './support/location';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { SipUdpClient, parseChallenge } from './support/digest-client';

const DOMAIN = 'udp.registrar.test';

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe('registrar with a SHA-256 digest client', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  let node: RegistrarNode;
  let loc: ReturnType<typeof locationOf>;
  let client: SipUdpClient;

  before(async () => {
    stack = await getSharedStack();
    // SHA-256 first (RFC 8760 §2.4 preference order); minExpires 1 so expiry can be watched.
    node = await startRegistrarNode(stack, { digestAlgorithms: 'SHA-256,MD5', minExpires: '1' });
    loc = locationOf(stack);
  });
  after(async () => {
    await node?.stop();
    await loc?.close();
  });
  beforeEach(async () => {
    client = new SipUdpClient(node.sipPort);
    await client.open();
  });
  afterEach(() => client.close());

  describe('authentication (RFC 8760)', () => {
    it('offers SHA-256 first, then MD5, and accepts a SHA-256 answer', async () => {
      const a = await newAccount(stack, DOMAIN);
      const { challenge, final } = await client.register({ user: a.user, domain: DOMAIN, expires: 300 }, a.password, 'SHA-256');
      assert.deepEqual(challenge.all('www-authenticate').map((v) => parseChallenge(v)?.algorithm), ['SHA-256', 'MD5']);
      assert.equal(final.status, 200);
      assert.match(final.get('contact') ?? '', new RegExp(`<sip:${a.user}@127\\.0\\.0\\.1:${client.port}>;expires=(300|299)`));
    });

    it('accepts the MD5 answer to the same challenge (clients without SHA-256)', async () => {
      const a = await newAccount(stack, DOMAIN);
      const { final } = await client.register({ user: a.user, domain: DOMAIN }, a.password, 'MD5');
      assert.equal(final.status, 200);
    });

    it('answers 403 when the authenticated user does not own the AOR (RFC 3261 §10.3 step 3)', async () => {
      const owner = await newAccount(stack, DOMAIN);
      const other = await newAccount(stack, DOMAIN);
      const { final } = await client.register({ user: owner.user, domain: DOMAIN, authUser: other.user }, other.password);
      assert.equal(final.status, 403);
      assert.equal((await loc.store.lookup(owner.aor)).length, 0);
    });

    it('answers 404 for a domain it does not serve (§10.3 step 5)', async () => {
      const r = await client.send({ user: 'x', domain: 'not-served.example' });
      assert.equal(r.status, 404);
    });
  });

  describe('bindings (RFC 3261 §10.3, RFC 5626)', () => {
    it('keys devices by +sip.instance: a refresh from a new address replaces that device\'s binding', async () => {
      const a = await newAccount(stack, DOMAIN);
      const phone = ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-00000000aaaa>"';
      const laptop = ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-00000000bbbb>"';
      assert.equal((await client.register({ user: a.user, domain: DOMAIN, contactParams: phone }, a.password)).final.status, 200);
      assert.equal((await client.register({ user: a.user, domain: DOMAIN, contact: `sip:${a.user}@127.0.0.1:7001`, contactParams: laptop }, a.password)).final.status, 200);
      const moved = await client.register({ user: a.user, domain: DOMAIN, contact: `sip:${a.user}@127.0.0.1:7002`, contactParams: phone }, a.password);
      assert.equal(moved.final.status, 200);
      const listed = moved.final.all('contact');
      assert.equal(listed.length, 2);
      assert.ok(listed.some((c) => c.startsWith(`<sip:${a.user}@127.0.0.1:7002>`) && c.includes('aaaa')));
      assert.ok(listed.some((c) => c.startsWith(`<sip:${a.user}@127.0.0.1:7001>`) && c.includes('bbbb')));
      const devices = await reachableDevices(loc.store, a.aor);
      assert.deepEqual(devices.map((d) => d.device).sort(), ['urn:uuid:00000000-0000-0000-0000-00000000aaaa', 'urn:uuid:00000000-0000-0000-0000-00000000bbbb']);
    });

    it('keeps one binding per reg-id flow with outbound, and says Require: outbound (RFC 5626 §6)', async () => {
      const a = await newAccount(stack, DOMAIN);
      const inst = ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-0000000000cc>"';
      const o = { user: a.user, domain: DOMAIN, extraHeaders: ['Supported: outbound, path'] };
      const one = await client.register({ ...o, contactParams: `${inst};reg-id=1` }, a.password);
      const two = await client.register({ ...o, contact: `sip:${a.user}@127.0.0.1:7010`, contactParams: `${inst};reg-id=2` }, a.password);
      assert.equal(one.final.get('require'), 'outbound');
      assert.equal(two.final.all('contact').length, 2, 'one Contact line per binding');
      const devices = await reachableDevices(loc.store, a.aor);
      assert.equal(devices.length, 1);
      assert.equal(devices[0].bindings.length, 2);
    });

    it('orders by q and reports q in the 200', async () => {
      const a = await newAccount(stack, DOMAIN);
      await client.register({ user: a.user, domain: DOMAIN, contact: `sip:${a.user}@127.0.0.1:7020`, contactParams: ';q=0.2' }, a.password);
      const r = await client.register({ user: a.user, domain: DOMAIN, contact: `sip:${a.user}@127.0.0.1:7021`, contactParams: ';q=0.9' }, a.password);
      assert.match(r.final.all('contact').join(', '), /:7021>;expires=\d+;q=0\.9, <[^>]+:7020>;expires=\d+;q=0\.2/);
      assert.deepEqual((await reachableDevices(loc.store, a.aor)).map((d) => d.q), [900, 200]);
    });

    it('stores Path, echoes it to a UA supporting path, and routes through it (RFC 3327 §5.3)', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await client.register({
        user: a.user, domain: DOMAIN, extraHeaders: ['Path: <sip:edge1.udp.registrar.test;lr>', 'Supported: path'],
      }, a.password);
      assert.equal(r.final.get('path'), '<sip:edge1.udp.registrar.test;lr>');
      const [d] = await reachableDevices(loc.store, a.aor);
      assert.deepEqual(d.route, ['<sip:edge1.udp.registrar.test;lr>']);
      assert.equal(d.nextHop, 'sip:edge1.udp.registrar.test;lr');
    });

    it('gives a NAT\'d UDP client (Contact host != source) the short NAT expiry and routes to its source', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await client.register({ user: a.user, domain: DOMAIN, contact: `sip:${a.user}@192.168.77.9:5060`, expires: 3600 }, a.password);
      assert.match(r.final.get('contact') ?? '', /;expires=(60|59)$/);
      const [d] = await reachableDevices(loc.store, a.aor);
      assert.equal(d.requestUri, `sip:${a.user}@192.168.77.9:5060`);
      assert.equal(d.nextHop, `sip:127.0.0.1:${client.port};transport=udp`);
      assert.equal(d.bindings[0].natted, true);
    });

    it('answers a REGISTER without Contact with the current bindings (§10.2.3)', async () => {
      const a = await newAccount(stack, DOMAIN);
      await client.register({ user: a.user, domain: DOMAIN }, a.password);
      const q = await client.register({ user: a.user, domain: DOMAIN, contactHeader: '' }, a.password);
      assert.equal(q.final.status, 200);
      assert.match(q.final.get('contact') ?? '', new RegExp(`:${client.port}>;expires=\\d+`));
    });
  });

  describe('push devices (RFC 8599)', () => {
    it('keeps pn-provider/pn-prid/pn-param in Redis and the devices table, and advertises +sip.pns', async () => {
      const a = await newAccount(stack, DOMAIN);
      const uri = `sip:${a.user}@127.0.0.1:${client.port};pn-provider=apns;pn-prid=00fc13adff78512;pn-param=ABCD1234.com.example.voip`;
      const inst = ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-0000000000dd>"';
      const r = await client.register({ user: a.user, domain: DOMAIN, contact: uri, contactParams: inst }, a.password);
      assert.equal(r.final.status, 200);
      assert.equal(r.final.get('feature-caps'), '*;+sip.pns="apns"');
      const [d] = await reachableDevices(loc.store, a.aor);
      assert.deepEqual(d.push, { provider: 'apns', prid: '00fc13adff78512', param: 'ABCD1234.com.example.voip' });
      const ok = await until(async () => {
        const rows = await stack.dbPool().query<Array<{ push_prid: string }>>(
          `SELECT d.push_prid FROM devices d JOIN accounts a ON a.id = d.account_id WHERE a.username = ? AND d.instance_id = ?`,
          [a.user, 'urn:uuid:00000000-0000-0000-0000-0000000000dd']);
        return rows[0]?.push_prid === '00fc13adff78512';
      }, 3000);
      assert.ok(ok, 'device row with push token persisted');
    });

    it('answers 555 for a push provider it does not support', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await client.register({ user: a.user, domain: DOMAIN, contact: `sip:${a.user}@127.0.0.1:${client.port};pn-provider=acme;pn-prid=t` }, a.password);
      assert.equal(r.final.status, 555);
      assert.match(r.final.get('feature-caps') ?? '', /\+sip\.pns="apns,fcm,webpush"/);
    });
  });

  describe('events and expiry', () => {
    it('publishes added/refreshed/removed and device online/offline; an expired binding disappears on time', async () => {
      const sub = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
      const a = await newAccount(stack, DOMAIN);
      const events: BindingEvent[] = [];
      const presence: PresenceEvent[] = [];
      const stop = await subscribeLocationEvents(sub, DEFAULT_PREFIX, {
        binding: (e) => { if (e.aor === a.aor) events.push(e); },
        presence: (e) => { if (e.aor === a.aor) presence.push(e); },
      });
      try {
        await client.register({ user: a.user, domain: DOMAIN, expires: 60 }, a.password);
        await client.register({ user: a.user, domain: DOMAIN, expires: 2 }, a.password);
        const registeredAt = Date.now();
        assert.ok(await until(() => events.length >= 2 && presence.length >= 1, 2000));
        assert.deepEqual(events.slice(0, 2).map((e) => e.type), ['added', 'refreshed']);
        assert.equal(events[0].binding?.flow.port, client.port);
        assert.deepEqual(presence[0], { aor: a.aor, device: `sip:${a.user}@127.0.0.1:${client.port}`, state: 'online' });
        assert.ok(await until(() => events.length >= 3, 5000), 'removed by the sweeper');
        assert.deepEqual({ type: events[2].type, reason: events[2].reason }, { type: 'removed', reason: 'expired' });
        assert.ok(Date.now() - registeredAt < 4000, 'removed within about a second of its expiry');
        assert.equal(presence[1]?.state, 'offline');
        assert.equal((await loc.store.lookup(a.aor)).length, 0);
      } finally {
        await stop();
        sub.disconnect();
      }
    });
  });

  describe('request checks', () => {
    it('answers 483 to a REGISTER with Max-Forwards: 0', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await client.send({ user: a.user, domain: DOMAIN, maxForwards: 0 });
      assert.equal(r.status, 483);
    });

    it('answers OPTIONS to the domain with 200 (keepalive)', async () => {
      const r = await runSipp({ scenario: 'uac-options.xml', remote: `127.0.0.1:${node.sipPort}`, calls: 3, timeoutSec: 15, recvTimeoutMs: 3000 });
      assert.equal(r.successful, 3, describeSippResult(r));
    });
  });
});

import assert from 'node:assert/strict';
import type { Flow } from '@openline/location';
import { parseContacts, type ContactList } from '../src/lib/contact';
import { RegError } from '../src/lib/errors';
import { planRegistration, type PlanInput, type PlanSettings } from '../src/lib/plan';

const S: PlanSettings = {
  minExpires: 60, maxExpires: 3600, defaultExpires: 3600, natUdpExpires: 60, maxBindingsPerAor: 10,
  pushProviders: new Set(['apns', 'fcm']),
};
const FLOW: Flow = { node: 'n1', transport: 'udp', address: '127.0.0.1', port: 5062 };

function input(contact: string, expiresHeader?: string, extra: Partial<PlanInput> = {}): PlanInput {
  return {
    aor: 'sip:alice@ex.test', callId: 'c1', cseq: 2, contacts: parseContacts(contact) as ContactList,
    expiresHeader, flow: FLOW, path: [], outbound: false, accountId: 7, now: 1_000_000, ...extra,
  };
}

describe('registrar: expiry (RFC 3261 §10.3 step 7)', () => {
  it('takes the expires parameter over the Expires header, and the default with neither', () => {
    const p = planRegistration(input('<sip:a@127.0.0.1>;expires=120', '600'), S);
    assert.ok(p.ok && p.save.upserts[0].expiresAt === 1_000_000 + 120_000);
    const d = planRegistration(input('<sip:a@127.0.0.1>'), S);
    assert.ok(d.ok && d.save.upserts[0].expiresAt === 1_000_000 + 3600_000);
  });
  it('answers 423 with Min-Expires below the minimum', () => {
    const p = planRegistration(input('<sip:a@127.0.0.1>', '30'), S);
    assert.deepEqual(p, { ok: false, error: RegError.IntervalTooBrief, minExpires: 60 });
  });
  it('clamps to the maximum', () => {
    const p = planRegistration(input('<sip:a@127.0.0.1>', '99999'), S);
    assert.ok(p.ok && p.save.upserts[0].expiresAt === 1_000_000 + 3600_000);
  });
  it('gives NAT\'d UDP clients the short NAT expiry (Contact host != source address)', () => {
    const p = planRegistration(input('<sip:a@192.168.1.20:5060>', '3600'), S);
    assert.ok(p.ok && p.save.upserts[0].expiresAt === 1_000_000 + 60_000 && p.save.upserts[0].natted === true);
    const tcp = planRegistration(input('<sip:a@192.168.1.20:5060>', '3600', { flow: { ...FLOW, transport: 'tcp' } }), S);
    assert.ok(tcp.ok && tcp.save.upserts[0].expiresAt === 1_000_000 + 3600_000);
  });
  it('removes a binding with expires 0', () => {
    const p = planRegistration(input('<sip:a@127.0.0.1>;expires=0'), S);
    assert.ok(p.ok && p.save.removeKeys[0] === 'sip:a@127.0.0.1' && p.save.upserts.length === 0);
  });
  it('refuses a non-numeric Expires', () => {
    assert.deepEqual(planRegistration(input('<sip:a@127.0.0.1>', 'soon'), S), { ok: false, error: RegError.InvalidExpires });
  });
});

describe('registrar: wildcard (RFC 3261 §10.2.2, §10.3 step 6)', () => {
  it('removes all with Expires: 0', () => {
    const p = planRegistration(input('*', '0'), S);
    assert.ok(p.ok && p.save.removeAll);
  });
  it('refuses * without Expires: 0', () => {
    assert.deepEqual(planRegistration(input('*', '60'), S), { ok: false, error: RegError.StarExpiresNotZero });
    assert.deepEqual(planRegistration(input('*'), S), { ok: false, error: RegError.StarExpiresNotZero });
  });
});

describe('registrar: binding identity (RFC 5626 §4.1, §6)', () => {
  it('keys a device by +sip.instance, so a new Contact of that device replaces its binding', () => {
    const a = planRegistration(input('<sip:a@127.0.0.1:1>;+sip.instance="<urn:uuid:x>"'), S);
    const b = planRegistration(input('<sip:a@127.0.0.1:2>;+sip.instance="<urn:uuid:x>"'), S);
    assert.ok(a.ok && b.ok && a.save.upserts[0].key === 'urn:uuid:x' && b.save.upserts[0].key === 'urn:uuid:x');
  });
  it('adds reg-id to the key only when the UA supports outbound', () => {
    const c = '<sip:a@127.0.0.1>;+sip.instance="<urn:uuid:x>";reg-id=2';
    const ob = planRegistration(input(c, undefined, { outbound: true }), S);
    assert.ok(ob.ok && ob.save.upserts[0].key === 'urn:uuid:x;reg-id=2' && ob.outboundUsed);
    const plain = planRegistration(input(c), S);
    assert.ok(plain.ok && plain.save.upserts[0].key === 'urn:uuid:x' && !plain.outboundUsed);
  });
  it('keeps q, Path, user agent and push parameters (RFC 8599 §4.1)', () => {
    const p = planRegistration(input('<sip:a@127.0.0.1;pn-provider=apns;pn-prid=tok;pn-param=T.com.x.voip>;q=0.7;+sip.instance="<urn:uuid:y>"',
      undefined, { path: ['<sip:edge.ex.test;lr>'], userAgent: 'Phone/1' }), S);
    assert.ok(p.ok);
    if (!p.ok) return;
    const b = p.save.upserts[0];
    assert.equal(b.q, 700);
    assert.deepEqual(b.path, ['<sip:edge.ex.test;lr>']);
    assert.deepEqual(b.push, { provider: 'apns', prid: 'tok', param: 'T.com.x.voip' });
    assert.equal(p.pushProvider, 'apns');
  });
  it('answers 555 for a push provider it does not support (RFC 8599)', () => {
    const p = planRegistration(input('<sip:a@127.0.0.1;pn-provider=acme;pn-prid=t>'), S);
    assert.deepEqual(p, { ok: false, error: RegError.UnsupportedPushProvider });
  });
});

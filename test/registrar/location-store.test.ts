// The location store on the shared stack's real Redis: atomic saves with RFC 3261 §10.3 step 7
// ordering, the binding limit, expiry (readers and the sweeper), and its pub/sub events.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Binding, RedisLocationStore, LocationFailure, subscribeLocationEvents, type BindingEvent, type PresenceEvent } from '@openline/location';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';

let seq = 0;

function binding(aor: string, key: string, now: number, over: Partial<Binding> = {}): Binding {
  return {
    aor, key, contact: key.startsWith('sip:') ? key : 'sip:x@127.0.0.1:5070', expiresAt: now + 60_000, callId: 'c1', cseq: 1,
    flow: { node: '127.0.0.1:5060', transport: 'udp', address: '127.0.0.1', port: 5070 }, updatedAt: now, ...over,
  };
}

describe('location store on Redis', function () {
  this.timeout(20_000);
  let stack: StackHandle;
  let redis: Redis;
  let store: RedisLocationStore;
  const prefix = `t${process.pid}:`;
  const aor = (): string => `sip:store${seq++}@loc.test`;

  before(async () => {
    stack = await getSharedStack();
    redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
    store = new RedisLocationStore(redis, { prefix, sweepIntervalMs: 0 });
  });
  after(async () => {
    await store?.close();
    redis?.disconnect();
  });

  it('adds, refreshes and removes bindings atomically, returning every current binding', async () => {
    const a = aor();
    const now = Date.now();
    const save = (upserts: Binding[], removeKeys: string[], cseq: number) =>
      store.save({ aor: a, upserts, removeKeys, removeAll: false, callId: 'c1', cseq, maxBindings: 10, now });
    const one = await save([binding(a, 'sip:a@h:1', now, { cseq: 1 })], [], 1);
    assert.ok(one.ok && one.bindings.length === 1 && one.changes[0].type === 'added');
    const two = await save([binding(a, 'sip:a@h:1', now, { cseq: 2 }), binding(a, 'sip:a@h:2', now, { cseq: 2 })], [], 2);
    assert.ok(two.ok);
    assert.deepEqual(two.ok && two.changes.map((c) => c.type).sort(), ['added', 'refreshed']);
    const three = await save([], ['sip:a@h:1'], 3);
    assert.ok(three.ok && three.bindings.length === 1 && three.bindings[0].key === 'sip:a@h:2');
  });

  it('refuses a request with the same Call-ID and a CSeq not above the stored one (RFC 3261 §10.3 step 7)', async () => {
    const a = aor();
    const now = Date.now();
    assert.ok((await store.save({ aor: a, upserts: [binding(a, 'k', now, { cseq: 5 })], removeKeys: [], removeAll: false, callId: 'c1', cseq: 5, maxBindings: 10, now })).ok);
    const stale = await store.save({ aor: a, upserts: [binding(a, 'k', now, { cseq: 5 })], removeKeys: [], removeAll: false, callId: 'c1', cseq: 5, maxBindings: 10, now });
    assert.deepEqual(stale, { ok: false, failure: LocationFailure.OutOfOrder });
    const otherCall = await store.save({ aor: a, upserts: [binding(a, 'k', now, { callId: 'c2', cseq: 1 })], removeKeys: [], removeAll: false, callId: 'c2', cseq: 1, maxBindings: 10, now });
    assert.ok(otherCall.ok, 'a different Call-ID replaces the binding');
  });

  it('refuses more bindings than the AOR may hold, and changes nothing then', async () => {
    const a = aor();
    const now = Date.now();
    const r = await store.save({ aor: a, upserts: [binding(a, 'k1', now), binding(a, 'k2', now), binding(a, 'k3', now)], removeKeys: [], removeAll: false, callId: 'c1', cseq: 1, maxBindings: 2, now });
    assert.deepEqual(r, { ok: false, failure: LocationFailure.TooManyBindings });
    assert.deepEqual(await store.lookup(a), []);
  });

  it('hides expired bindings from readers at once and sweeps them with events', async () => {
    const a = aor();
    const now = Date.now();
    const sub = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
    const events: BindingEvent[] = [];
    const presence: PresenceEvent[] = [];
    const stop = await subscribeLocationEvents(sub, prefix, {
      binding: (e) => { if (e.aor === a) events.push(e); },
      presence: (e) => { if (e.aor === a) presence.push(e); },
    });
    try {
      await store.save({ aor: a, upserts: [binding(a, 'k', now, { expiresAt: now + 300, instance: 'urn:uuid:1' })], removeKeys: [], removeAll: false, callId: 'c1', cseq: 1, maxBindings: 10, now });
      await new Promise((r) => setTimeout(r, 400));
      assert.deepEqual(await store.lookup(a), [], 'expired: not returned');
      assert.equal(await store.sweep(), 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(events.map((e) => `${e.type}:${e.reason ?? ''}`), ['added:', 'removed:expired']);
      assert.deepEqual(presence.map((p) => `${p.device}:${p.state}`), ['urn:uuid:1:online', 'urn:uuid:1:offline']);
      assert.equal(await redis.exists(store.aorKey(a)), 0, 'the empty AOR record is gone');
    } finally {
      await stop();
      sub.disconnect();
    }
  });
});

// Binding-refresh pushes (RFC 8599 §5.5) from two nodes sharing Redis: a push-capable binding gets
// exactly one silent push before it expires (not one per node), again once per new expiry after
// a refresh; a binding without push parameters, or one removed before its time, gets none.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createLogger } from '@openline/log';
import { RedisLocationStore, type Binding } from '@openline/location';
import { startPushService, type PushService } from '@openline/push-server';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { newDevice, startProviders, type Providers } from './call-support';

const PREFIX = `olt:loc${process.pid}:`;

describe('push: binding-refresh pushes across two nodes', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  let prov: Providers;
  let redis: Redis;
  let store: RedisLocationStore;
  const nodes: PushService[] = [];

  before(async () => {
    stack = await getSharedStack();
    prov = await startProviders(stack);
    redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
    store = new RedisLocationStore(redis, { prefix: PREFIX, sweepIntervalMs: 0 });
    for (let i = 0; i < 2; i++) {
      nodes.push(await startPushService({
        sender: prov.sender, redis, db: stack.dbPool(), location: store, waitSeconds: 5, refreshBeforeSeconds: 120,
        locationPrefix: PREFIX, prefix: `olt:push${process.pid}:`, refreshTickMs: 100, logger: createLogger({ component: 'push', level: 'warn' }),
      }));
    }
  });
  after(async () => {
    for (const n of nodes) await n.close();
    redis?.disconnect();
    await prov?.close();
  });

  async function save(aor: string, key: string, lifetimeMs: number, push?: Binding['push'], cseq = 1): Promise<Binding> {
    const now = Date.now();
    const b: Binding = {
      aor, key, contact: `sip:x@127.0.0.1:5999`, expiresAt: now + lifetimeMs, callId: `refresh-${key}`, cseq, updatedAt: now,
      flow: { node: '127.0.0.1:5060', transport: 'udp', address: '127.0.0.1', port: 5999 }, instance: key, ...(push ? { push } : {}),
    };
    const r = await store.save({ aor, upserts: [b], removeKeys: [], removeAll: false, callId: b.callId, cseq, maxBindings: 10, now });
    assert.ok(r.ok);
    return b;
  }

  const refreshes = (prid: string): number => prov.apns.received.filter((p) => p.token === prid && p.payload?.kind === 'binding-refresh').length;

  it('one silent push per binding expiry, half-way through a short binding, from one node only', async () => {
    const d = newDevice('apns', prov.param.apns);
    const aor = `sip:refresh${Date.now()}@push.test`;
    const b = await save(aor, d.instance, 3000, { provider: 'apns', prid: d.prid, param: d.param });
    const p = await prov.apns.waitFor((x) => x.token === d.prid && x.payload?.kind === 'binding-refresh', 10_000);
    assert.ok(p.at >= b.updatedAt + 1400 && p.at < b.expiresAt, `sent ${p.at - b.updatedAt} ms into a 3000 ms binding`);
    assert.deepEqual([p.pushType, p.priority], ['background', 5], 'a silent push');
    // The refresh: a new expiry gets its own (single) push.
    const b2 = await save(aor, d.instance, 3000, { provider: 'apns', prid: d.prid, param: d.param }, 2);
    await prov.apns.waitFor((x) => x.token === d.prid && x.payload?.kind === 'binding-refresh' && x.at > b2.updatedAt, 10_000);
    await new Promise((r) => setTimeout(r, b2.expiresAt - Date.now() + 500));
    assert.equal(refreshes(d.prid), 2, 'exactly one push per expiry, though two nodes saw every event');
    const byNode = nodes.map((n) => n.refresh?.sent.filter((s) => s.key === d.instance).length ?? 0);
    assert.equal(byNode[0] + byNode[1], 2);
  });

  it('no refresh push for a binding without push parameters, nor for one removed before its time', async () => {
    const d = newDevice('apns', prov.param.apns);
    const aor = `sip:refresh${Date.now()}x@push.test`;
    await save(aor, 'urn:uuid:no-push', 2000);
    const b = await save(aor, d.instance, 3000, { provider: 'apns', prid: d.prid, param: d.param });
    const r = await store.save({ aor, upserts: [], removeKeys: [d.instance], removeAll: false, callId: b.callId, cseq: 2, maxBindings: 10, now: Date.now() });
    assert.ok(r.ok);
    await new Promise((res) => setTimeout(res, 3500));
    assert.equal(refreshes(d.prid), 0);
    assert.equal(await redis.zcard(`olt:push${process.pid}:refresh`), 0, 'nothing left in the schedule');
  });
});

import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import type { Redis } from 'ioredis';
import type { Logger } from '@openline/log';
import type { Binding, FlowTransport, RedisLocationStore } from '@openline/location';
import { flowIsDead, Keepalive, srfPinger, type Pinger, type PingResult } from '../src/lib/keepalive';

function binding(transport: FlowTransport, contact = 'sip:alice@192.168.1.9:5060'): Binding {
  return {
    aor: 'sip:alice@ex.test', key: contact, contact, expiresAt: 2_000_000, callId: 'c1', cseq: 1,
    flow: { node: '127.0.0.1:5060', transport, address: '203.0.113.7', port: 40000 }, updatedAt: 1_000_000,
  };
}

interface Sent { uri: string; opts: { method: string; headers: Record<string, string>; proxy?: string } }
type Reply = { status: number; warning?: string } | 'error' | 'silence';

/** srf.request stand-in: records what was sent and answers as told. */
function fakeSrf(reply: Reply, sent: Sent[]): Srf {
  const request = (uri: string, opts: Sent['opts'], cb: (err: Error | null, req: unknown) => void): void => {
    sent.push({ uri, opts });
    if (reply === 'error') return cb(new Error('socket closed'), undefined);
    cb(null, {
      on: (_e: string, l: (res: { status: number; get(n: string): string | undefined }) => void) => {
        if (reply !== 'silence') setImmediate(() => l({ status: reply.status, get: (n) => (n === 'warning' ? reply.warning : undefined) }));
      },
    });
  };
  return { request } as unknown as Srf;
}

describe('registrar keepalive: what counts as a dead flow', () => {
  it('430 (RFC 5626 §5.3), 408, sipd\'s own 503 and no answer are dead', () => {
    assert.equal(flowIsDead({ status: 430, fromSipd: true }), true);
    assert.equal(flowIsDead({ status: 408, fromSipd: true }), true);
    assert.equal(flowIsDead({ status: 503, fromSipd: true }), true);
    assert.equal(flowIsDead('timeout'), true);
  });

  it('any answer from the device (200, 404, 405, its own 503) means the flow is alive; an unsent ping proves nothing', () => {
    for (const status of [200, 404, 405, 503]) assert.equal(flowIsDead({ status, fromSipd: false }), false, String(status));
    assert.equal(flowIsDead('not-sent'), false);
  });
});

describe('registrar keepalive: the ping cycle', () => {
  const silent = { info: () => undefined, warn: () => undefined } as unknown as Logger;

  /** A Keepalive over a fake Redis: the owned bindings are given, removals recorded. */
  function keepalive(list: Binding[], ping: Pinger, removals: unknown[][], intervalMs = 200, concurrency = 2): Keepalive {
    const redis = {
      defineCommand: () => undefined,
      olFlowFailed: async (...args: unknown[]) => { removals.push(args); return 1; },
    } as unknown as Redis;
    const store = { prefix: 't:', expiryKey: 't:exp', aorKey: (a: string) => `t:aor:${a}` } as unknown as RedisLocationStore;
    const k = new Keepalive({ redis, store, nodeId: () => 'n1', ping, logger: silent, intervalMs, concurrency });
    k.ownedBindings = async () => list;
    return k;
  }

  it('pings every owned binding in turn, at most `concurrency` at a time, and removes only the dead ones', async () => {
    // 5 bindings over 600 ms: a start every 120 ms; pings take 250 ms, so without the bound of 2
    // the third would start while two are outstanding.
    const list = ['c', 'a', 'b', 'd', 'e'].map((n) => ({ ...binding('udp', `sip:${n}@192.168.1.9:5060`), aor: `sip:${n}@ex.test` }));
    let outstanding = 0;
    let most = 0;
    const pinged: string[] = [];
    const removals: unknown[][] = [];
    const k = keepalive(list, async (b) => {
      pinged.push(b.aor);
      most = Math.max(most, ++outstanding);
      await new Promise((r) => setTimeout(r, 250));
      outstanding--;
      return b.aor === 'sip:c@ex.test' ? { status: 430, fromSipd: true } : { status: 200, fromSipd: false };
    }, removals, 600, 2);
    k.start();
    for (let t = 0; t < 100 && pinged.length < 5; t++) await new Promise((r) => setTimeout(r, 20));
    await k.stop();
    assert.deepEqual(pinged.slice(0, 5), list.map((b) => b.aor));
    assert.equal(most, 2, 'the bound was reached and held');
    assert.ok(removals.length >= 1);
    for (const a of removals) assert.deepEqual([a[2], a[3], a[4], a[8]], ['sip:c@ex.test', 'sip:c@192.168.1.9:5060', 1_000_000, 'flow-failed']);
  });

  it('stops at once and removes nothing whose answer arrives after stop()', async () => {
    const removals: unknown[][] = [];
    const k = keepalive([binding('tcp')], async () => {
      await new Promise((r) => setTimeout(r, 100));
      return 'timeout';
    }, removals, 10_000);
    k.start();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await k.stop();
    assert.ok(Date.now() - t0 < 50, 'stop() does not wait for the interval or the ping');
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(removals, []);
  });
});

describe('registrar keepalive: the OPTIONS ping through srf', () => {
  async function ping(reply: Reply, transport: FlowTransport, timeoutMs = 200): Promise<{ result: PingResult; sent: Sent[] }> {
    const sent: Sent[] = [];
    const result = await srfPinger(fakeSrf(reply, sent), () => '127.0.0.1:5060')(binding(transport), timeoutMs);
    return { result, sent };
  }

  it('sends OPTIONS to the Contact via the recorded source address and transport (NAT\'d UDP, TCP)', async () => {
    for (const t of ['udp', 'tcp'] as const) {
      const { result, sent } = await ping({ status: 200 }, t);
      assert.deepEqual(result, { status: 200, fromSipd: false });
      assert.equal(sent[0].uri, 'sip:alice@192.168.1.9:5060');
      assert.equal(sent[0].opts.method, 'OPTIONS');
      assert.equal(sent[0].opts.proxy, `sip:203.0.113.7:40000;transport=${t}`);
    }
  });

  it('sends to a WebSocket flow without a proxy (its .invalid Contact reaches only the open connection)', async () => {
    const { sent } = await ping({ status: 200 }, 'ws');
    assert.equal(sent[0].opts.proxy, undefined);
  });

  it('tells sipd\'s own answer (Warning 399 sipd) from the device\'s', async () => {
    assert.deepEqual((await ping({ status: 503, warning: '399 sipd "connect ECONNREFUSED"' }, 'tcp')).result, { status: 503, fromSipd: true });
    assert.deepEqual((await ping({ status: 503, warning: '399 pbx "busy"' }, 'tcp')).result, { status: 503, fromSipd: false });
  });

  it('reports no answer after the timeout, and not-sent when srf refuses the request', async () => {
    assert.equal((await ping('silence', 'udp', 50)).result, 'timeout');
    assert.equal((await ping('error', 'udp')).result, 'not-sent');
  });
});

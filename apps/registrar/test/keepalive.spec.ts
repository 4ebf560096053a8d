import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import type { Binding, FlowTransport } from '@openline/location';
import { flowIsDead, srfPinger, type PingResult } from '../src/lib/keepalive';

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

// The proxy core over a real TransactionLayer and a recording transport: what goes downstream,
// what goes upstream, and what srf is told, for forking, CANCEL, timeouts and errors.
import assert from 'node:assert/strict';
import { createLogger } from '@openline/log';
import type { SipRequest, SipResponse } from '../../src/parser';
import { TransactionLayer, type ServerTransaction } from '../../src/transaction';
import type { TransportLayer } from '../../src/transport/transport-layer';
import { DialogStore } from '../../src/dialog/dialog-store';
import type { AdminServer } from '../../src/wire/admin-server';
import type { AppConnection } from '../../src/wire/app-connection';
import type { CommandReply, ProxyCommand } from '../../src/wire/messages';
import type { EngineContext } from '../../src/core/context';
import { CdrEmitter } from '../../src/core/cdr';
import { newEngineCounters } from '../../src/core/counters';
import { FlowTable } from '../../src/core/flows';
import { NatDialogs } from '../../src/core/nat';
import { LocalEndpoints } from '../../src/core/local-endpoints';
import { ProxyHandler } from '../../src/core/proxy/proxy-handler';
import { configureResolver, type DnsQueries } from '../../src/core/target';
import { inbound, RecordingTransport, request, response, TEST_TIMERS } from '../transaction/support';

const US = new LocalEndpoints([{ protocol: 'udp', address: '127.0.0.1', port: 5060 }]);
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Harness {
  transport: RecordingTransport;
  layer: TransactionLayer;
  proxy: ProxyHandler;
  replies: CommandReply[];
  app: AppConnection;
  /** The caller's INVITE and its server transaction. */
  invite: SipRequest;
  serverTx: ServerTransaction;
}

function harness(spec: Parameters<typeof request>[0] = {}): Harness {
  const transport = new RecordingTransport();
  const layer = new TransactionLayer({ transport, timers: TEST_TIMERS });
  // Only what the proxy uses (CDRs disabled); the engine's other services (session timers…) stay out.
  const ctx = {
    behaviour: {},
    transport: { prepareRequestDestination: (_r: SipRequest, d: unknown) => d, send: transport.send.bind(transport) } as unknown as TransportLayer,
    transactions: layer,
    dialogs: new DialogStore<AppConnection>(),
    apps: {} as AdminServer,
    endpoints: US,
    timers: TEST_TIMERS,
    logger: createLogger({ component: 'proxy-spec', level: 'silent' }),
    counters: newEngineCounters(),
    flows: new FlowTable(),
    nat: new NatDialogs(),
    cdr: new CdrEmitter(false, { pickAppFor: () => undefined }),
  } satisfies Partial<EngineContext> as unknown as EngineContext;
  const invite = request({ uri: 'sip:service@127.0.0.1:5060', ...spec });
  const o = layer.receive(inbound(invite));
  assert.equal(o.kind, 'request');
  const serverTx = (o as { transaction: ServerTransaction }).transaction;
  const replies: CommandReply[] = [];
  const app = { sendResponse: (_id: string, r: CommandReply) => { replies.push(r); return true; } } as unknown as AppConnection;
  const proxy = new ProxyHandler(ctx, (id) => (id === 'txn-1' ? { request: invite, inbound: inbound(invite), tx: serverTx } : undefined));
  return { transport, layer, proxy, replies, app, invite, serverTx };
}

function command(over: Partial<ProxyCommand>): ProxyCommand {
  return {
    transactionId: 'txn-1', recordRoute: false, fullResponse: true, followRedirects: false, simultaneous: false,
    provisionalTimeout: '', finalTimeout: '', destinations: [], sip: undefined, ...over,
  };
}

/** The forwarded INVITE that went to this port. */
function sentTo(h: Harness, port: number, method = 'INVITE'): SipRequest | undefined {
  return h.transport.sent.find((s) => s.destination.port === port && s.message.kind === 'request' && s.message.method === method)?.message as SipRequest | undefined;
}

/** A response from downstream to a forwarded request. */
function answer(h: Harness, req: SipRequest, status: number, toTag: string): void {
  h.layer.receive(inbound(response(req, status, toTag), 'udp', 7000));
}

/** Responses sent upstream (to the caller at 5070). */
function upstream(h: Harness): SipResponse[] {
  return h.transport.sent.filter((s) => s.destination.port === 5070 && s.message.kind === 'response').map((s) => s.message as SipResponse);
}

function replyKinds(h: Harness): string[] {
  return h.replies.map((r) => (r.kind === 'proxy-response' ? `response ${/^SIP\/2\.0 (\d+)/.exec(r.sip.toString())?.[1]}` : r.kind === 'failure' ? `NOK ${r.reason}` : r.kind));
}

describe('ProxyCore (RFC 3261 §16) over a real transaction layer', () => {
  let h: Harness;
  afterEach(() => {
    h.proxy.close();
    h.layer.close();
  });

  describe('forwarding (§16.6)', () => {
    it('forwards a copy with our Via on top, Max-Forwards decremented, Record-Route, and the target as Request-URI', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001'], recordRoute: true }));
      await turn();
      const fwd = sentTo(h, 7001)!;
      assert.ok(fwd, 'INVITE forwarded');
      assert.equal(fwd.uri, 'sip:10.0.0.1:7001', 'Request-URI naming us is replaced by the destination (drachtio)');
      assert.equal(fwd.get('max-forwards'), '69');
      const vias = fwd.getAll('via');
      assert.match(vias[0]!, /^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bKsp[0-9a-f]{16}\.[0-9a-f]+;rport$/);
      assert.equal(vias[1], h.invite.getAll('via')[0]);
      assert.deepEqual(fwd.getAll('record-route'), ['<sip:127.0.0.1:5060;lr>']);
      assert.equal(h.proxy.count, 1);
    });

    it('Max-Forwards 0: 483 upstream and NOK to the app, nothing forwarded (§16.3 step 3)', async () => {
      h = harness();
      h.invite.set('max-forwards', '0');
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001'] }));
      await turn();
      assert.equal(sentTo(h, 7001), undefined);
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 483]);
      assert.deepEqual(replyKinds(h), ['NOK Rejected with 483 Too Many Hops due to Max-Forwards value of 0']);
      assert.equal(h.proxy.count, 0);
    });

    it('an unknown transaction id is a NOK and nothing else happens', () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ transactionId: 'nope', destinations: ['sip:10.0.0.1:7001'] }));
      assert.deepEqual(replyKinds(h), ['NOK Unknown transaction id: nope']);
    });
  });

  describe('non-INVITE requests', () => {
    it('REGISTER with remainInDialog gets Path and Require: path (RFC 3327), not Record-Route', async () => {
      h = harness({ method: 'REGISTER', uri: 'sip:127.0.0.1:5060' });
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001'], recordRoute: true }));
      await turn();
      const fwd = sentTo(h, 7001, 'REGISTER')!;
      assert.deepEqual(fwd.getAll('path'), ['<sip:127.0.0.1:5060;lr>']);
      assert.deepEqual(fwd.getAll('require'), ['path']);
      assert.equal(fwd.has('record-route'), false);
      answer(h, fwd, 200, 'r1');
      assert.deepEqual(upstream(h).map((r) => r.status), [200]);
      assert.deepEqual(replyKinds(h), ['response 200', 'proxy-done']);
      assert.equal(h.proxy.count, 0);
    });

    it('MESSAGE forked simultaneously: the first 2xx goes up, the other branch is not CANCELled (§9.1: INVITE only)', async () => {
      h = harness({ method: 'MESSAGE' });
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001', 'sip:10.0.0.2:7002'], simultaneous: true }));
      await turn();
      answer(h, sentTo(h, 7002, 'MESSAGE')!, 202, 'm2');
      assert.deepEqual(upstream(h).map((r) => r.status), [202]);
      assert.equal(h.transport.requests('CANCEL').length, 0);
      answer(h, sentTo(h, 7001, 'MESSAGE')!, 200, 'm1');
      assert.deepEqual(upstream(h).map((r) => r.status), [202], 'a second 2xx to a non-INVITE is not forwarded');
    });
  });

  describe('simultaneous forking', () => {
    it('forwards 180s upstream at once; the first 200 goes up, the ringing branch gets CANCEL with Reason, the silent one on its first 1xx', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001', 'sip:10.0.0.2:7002', 'sip:10.0.0.3:7003'], simultaneous: true }));
      await turn();
      const [a, b, c] = [sentTo(h, 7001)!, sentTo(h, 7002)!, sentTo(h, 7003)!];
      assert.ok(a && b && c, 'all three forwarded at once');
      answer(h, a, 100, '');
      answer(h, a, 180, 'ta');
      answer(h, b, 180, 'tb');
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 180, 180], '100 absorbed, each 180 forwarded (§16.7 step 5)');
      assert.equal(upstream(h)[1]!.getAll('via').length, 1, 'our Via removed from forwarded responses');
      answer(h, b, 200, 'tb');
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 180, 180, 200]);
      const cancelA = sentTo(h, 7001, 'CANCEL');
      assert.ok(cancelA, 'the ringing branch is CANCELled');
      assert.equal(cancelA.get('reason'), 'SIP;cause=200;text="Call completed elsewhere"');
      assert.equal(sentTo(h, 7003, 'CANCEL'), undefined, 'no CANCEL before a provisional (§9.1)');
      answer(h, c, 180, 'tc');
      assert.ok(sentTo(h, 7003, 'CANCEL'), 'CANCEL once the late branch rings');
      assert.equal(upstream(h).filter((r) => r.status === 180).length, 2, 'the cancelled branch\'s 180 is not forwarded');
      assert.deepEqual(replyKinds(h), ['response 200', 'proxy-done']);
      assert.equal(h.proxy.count, 0, 'the context is gone once the final is sent and no branch waits');
    });
  });

  describe('serial forking', () => {
    it('tries the next destination after a 486; a 6xx stops the search and goes upstream', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001', 'sip:10.0.0.2:7002', 'sip:10.0.0.3:7003'] }));
      await turn();
      assert.equal(sentTo(h, 7002), undefined, 'one at a time');
      answer(h, sentTo(h, 7001)!, 486, 'ta');
      await turn();
      assert.ok(sentTo(h, 7001, 'ACK'), 'the 486 is ACKed downstream by the transaction');
      answer(h, sentTo(h, 7002)!, 603, 'tb');
      await turn();
      assert.equal(sentTo(h, 7003), undefined, 'no new branch after a 6xx');
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 603]);
      assert.deepEqual(replyKinds(h), ['response 486', 'response 603', 'proxy-done']);
      assert.equal(h.proxy.count, 0);
    });

    it('a branch with no response within provisionalTimeout is abandoned for the next one', async () => {
      h = harness();
      const started = Date.now();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001', 'sip:10.0.0.2:7002'], provisionalTimeout: '150ms' }));
      await turn();
      assert.ok(sentTo(h, 7001), 'first destination tried at once');
      // Poll rather than sleep a fixed time: the second branch has its own 150 ms, so it must be
      // answered soon after it starts even on a loaded machine.
      let b = sentTo(h, 7002);
      while (!b && Date.now() - started < 2000) {
        await sleep(5);
        b = sentTo(h, 7002);
      }
      assert.ok(b, 'second destination tried after provisionalTimeout');
      assert.ok(Date.now() - started >= 140, 'not before provisionalTimeout');
      answer(h, b, 200, 'tb');
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 200]);
    });

    it('a ringing branch past finalTimeout is CANCELled; when all are done the best response (not a 503) goes up', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001', 'sip:10.0.0.2:7002'], finalTimeout: '100ms' }));
      await turn();
      const a = sentTo(h, 7001)!;
      answer(h, a, 180, 'ta');
      // The second branch starts at ~100 ms and has its own 100 ms: answer it in between.
      await sleep(150);
      assert.ok(sentTo(h, 7001, 'CANCEL'), 'CANCEL after finalTimeout');
      answer(h, sentTo(h, 7002)!, 503, 'tb');
      await turn();
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 180, 408], 'the timed-out branch counts as 408, which beats 503 (§16.7 step 6)');
      assert.deepEqual(replyKinds(h), ['response 503', 'proxy-done']);
    });

    it('a 302 with followRedirects adds its Contacts as targets, Request-URI = Contact; the 3xx leaves the response context', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001'], followRedirects: true }));
      await turn();
      const a = sentTo(h, 7001)!;
      const redirect = response(a, 302, 'ta');
      redirect.set('contact', '<sip:bob@10.0.0.4:7004>');
      h.layer.receive(inbound(redirect, 'udp', 7000));
      await turn();
      const d = sentTo(h, 7004)!;
      assert.equal(d.uri, 'sip:bob@10.0.0.4:7004');
      answer(h, d, 480, 'td');
      await turn();
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 480], 'the followed 302 is not a candidate');
    });
  });

  describe('CANCEL from upstream (§16.10)', () => {
    it('answers 200 to the CANCEL and 487 to the INVITE, and CANCELs the ringing branch', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001'] }));
      await turn();
      answer(h, sentTo(h, 7001)!, 180, 'ta');
      const cancel = request({ method: 'CANCEL', uri: h.invite.uri });
      const o = h.layer.receive(inbound(cancel));
      assert.equal(o.kind, 'cancel');
      const oc = o as Extract<typeof o, { kind: 'cancel' }>;
      assert.equal(h.proxy.onCancel(oc.request, oc.transaction, oc.target), true);
      assert.deepEqual(upstream(h).map((r) => `${r.status} ${r.get('cseq')}`), ['100 1 INVITE', '180 1 INVITE', '200 1 CANCEL', '487 1 INVITE']);
      assert.ok(sentTo(h, 7001, 'CANCEL'));
    });

    it('a 200 that crosses the CANCEL (487 already upstream) is ended downstream with ACK and BYE', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:10.0.0.1:7001'] }));
      await turn();
      const a = sentTo(h, 7001)!;
      answer(h, a, 180, 'ta');
      const o = h.layer.receive(inbound(request({ method: 'CANCEL', uri: h.invite.uri })));
      const oc = o as Extract<typeof o, { kind: 'cancel' }>;
      h.proxy.onCancel(oc.request, oc.transaction, oc.target);
      const ok = response(a, 200, 'ta');
      ok.set('contact', '<sip:callee@10.0.0.1:7001>');
      h.layer.receive(inbound(ok, 'udp', 7000));
      await sleep(20);
      const toInvite = upstream(h).filter((r) => /INVITE$/.test(r.get('cseq') ?? '')).map((r) => r.status);
      assert.deepEqual([...new Set(toInvite)], [100, 180, 487], 'the late 200 does not go up (the INVITE has its 487)');
      const ack = sentTo(h, 7001, 'ACK');
      const bye = sentTo(h, 7001, 'BYE');
      assert.ok(ack && bye, 'ACK and BYE to the callee');
      assert.equal(bye.uri, 'sip:callee@10.0.0.1:7001');
      assert.match(bye.get('to') ?? '', /tag=ta/);
      assert.equal(bye.get('cseq'), '2 BYE');
    });
  });

  describe('RFC 3263 failover inside a branch (§4.3)', () => {
    /** svc.test: two SRV targets, 10.0.0.1:7001 (priority 10) then 10.0.0.2:7002 (priority 20). */
    const dns: DnsQueries = {
      resolveNaptr: () => Promise.reject(new Error('none')),
      resolveSrv: (name) => (name === '_sip._udp.svc.test'
        ? Promise.resolve([{ name: 'b.svc.test', port: 7002, priority: 20, weight: 0 }, { name: 'a.svc.test', port: 7001, priority: 10, weight: 0 }])
        : Promise.reject(new Error('none'))),
      resolve4: (name) => Promise.resolve(name === 'a.svc.test' ? ['10.0.0.1'] : ['10.0.0.2']),
      resolve6: () => Promise.reject(new Error('none')),
    };
    beforeEach(() => configureResolver({ dns, supports: (p) => p === 'udp' }));
    afterEach(() => configureResolver({}));

    it('a 503 from the first SRV target moves the same branch to the next one; srf only hears the final answer', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:svc.test'] }));
      await sleep(20);
      const a = sentTo(h, 7001)!;
      assert.ok(a, 'priority 10 first');
      assert.equal(a.uri, 'sip:svc.test');
      answer(h, a, 503, 'ta');
      await turn();
      const b = sentTo(h, 7002)!;
      assert.ok(b, 'then priority 20');
      assert.notEqual(b.getAll('via')[0], a.getAll('via')[0], 'a new branch (new transaction)');
      answer(h, b, 200, 'tb');
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 200]);
      assert.deepEqual(replyKinds(h), ['response 200', 'proxy-done']);
    });

    it('no response at all from the first target (Timer B) moves on to the next one', async () => {
      h = harness();
      h.proxy.onCommand(h.app, 'm1', command({ destinations: ['sip:svc.test'] }));
      await sleep(20);
      assert.ok(sentTo(h, 7001));
      assert.equal(sentTo(h, 7002), undefined);
      await sleep(64 * TEST_TIMERS.T1 + 100);
      const b = sentTo(h, 7002);
      assert.ok(b, 'second target tried after Timer B');
      answer(h, b, 486, 'tb');
      await turn();
      assert.deepEqual(upstream(h).map((r) => r.status), [100, 486]);
    });
  });
});

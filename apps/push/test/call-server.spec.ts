// PushCallServer against a recording PushSender and in-memory stand-ins for the token store and
// the devices table: which pushes go out, which binding event rings which device, when the wait
// ends, and that nothing is left behind after end().
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import type { Binding, BindingEvent, ReachableDevice } from '@openline/location';
import type { PushCallInfo, PushRequest, PushResult, PushSender } from '@openline/push';
import { createLogger } from '@openline/log';
import { BindingWatcher } from '../src/binding-watch';
import { PushCallServer } from '../src/call-server';
import { PickupTokens } from '../src/pickup';

class RecordingSender implements PushSender {
  readonly requests: PushRequest[] = [];
  result: (r: PushRequest) => PushResult = (r) => ({ ok: true, provider: r.target.provider, status: 200, attempts: 1 });
  send(req: PushRequest): Promise<PushResult> {
    this.requests.push(req);
    return Promise.resolve(this.result(req));
  }
}

/** A BindingWatcher whose events the spec emits itself. */
class ManualWatcher extends BindingWatcher {
  constructor() { super({} as Redis, 'x:'); }
  emit(e: BindingEvent): void {
    (this as unknown as { dispatch(e: BindingEvent): void }).dispatch(e);
  }
}

const memoryRedis = (): Redis => {
  const m = new Map<string, string>();
  return {
    set: (k: string, v: string) => { m.set(k, v); return Promise.resolve('OK'); },
    getdel: (k: string) => { const v = m.get(k); m.delete(k); return Promise.resolve(v ?? null); },
    del: (...ks: string[]) => { for (const k of ks) m.delete(k); return Promise.resolve(ks.length); },
  } as unknown as Redis;
};

const AOR = 'sip:bob@push.test';
const IPHONE = 'urn:uuid:00000000-0000-4000-8000-000000000001';
const PIXEL = 'urn:uuid:00000000-0000-4000-8000-000000000002';

function call(): PushCallInfo {
  return {
    sessionId: 's-1', callId: 'c-1@x', callee: { accountId: 7, aor: AOR },
    caller: { accountId: 3, number: '+15550001', displayName: 'Alice', uri: '<sip:alice@push.test>' },
    devices: [{ instance: IPHONE, provider: 'apns', prid: 'tok-i', param: 'T.app.voip' }, { instance: PIXEL, provider: 'fcm', prid: 'tok-p' }],
  };
}

function binding(instance: string | undefined, prid: string, provider: string, port: number): Binding {
  const now = Date.now();
  return {
    aor: AOR, key: instance ?? `sip:bob@127.0.0.1:${port}`, contact: `sip:bob@127.0.0.1:${port}`, expiresAt: now + 60_000, callId: 'r', cseq: 1,
    flow: { node: '127.0.0.1:5060', transport: 'udp', address: '127.0.0.1', port }, updatedAt: now,
    ...(instance ? { instance } : {}), push: { provider, prid },
  };
}

describe('PushCallServer', () => {
  let sender: RecordingSender;
  let watcher: ManualWatcher;
  let server: PushCallServer;
  const devicesTable = [{ instance_id: `<${IPHONE}>`, push_provider: 'apns', push_prid: 'tok-i', push_param: null },
    { instance_id: `<${PIXEL}>`, push_provider: 'fcm', push_prid: 'tok-p', push_param: null },
    { instance_id: '<urn:uuid:ipad>', push_provider: 'apns', push_prid: 'tok-ipad', push_param: null }];

  beforeEach(() => {
    sender = new RecordingSender();
    watcher = new ManualWatcher();
    server = new PushCallServer({
      sender, watcher, tokens: new PickupTokens(memoryRedis(), 't:'), waitSeconds: 1,
      db: { query: <T>() => Promise.resolve(devicesTable as unknown as T) }, logger: createLogger({ component: 'push-spec', level: 'silent' }),
    });
  });

  describe('incoming call', () => {
    it('sends one call push per sleeping device with the call id, the caller and a pick-up token', async () => {
      const h = server.incomingCall(call(), () => undefined);
      await server.idle();
      assert.equal(sender.requests.length, 2);
      for (const r of sender.requests) {
        assert.equal(r.kind, 'call');
        assert.equal(r.data.callId, 'c-1@x');
        assert.equal(r.data.sessionId, 's-1');
        assert.equal(r.data.callerNumber, '+15550001');
        assert.equal(r.data.callerName, 'Alice');
        assert.match(r.data.pickupToken, /^[A-Za-z0-9_-]{20,}$/);
      }
      assert.deepEqual(sender.requests.map((r) => r.target.prid), ['tok-i', 'tok-p']);
      h.end('answered-elsewhere');
    });

    it('the pick-up token is single use', async () => {
      const tokens = new PickupTokens(memoryRedis(), 't:');
      const t = await tokens.issue({ sessionId: 's', callId: 'c', aor: AOR, instance: IPHONE }, 5);
      assert.equal((await tokens.claim(t))?.sessionId, 's');
      assert.equal(await tokens.claim(t), undefined);
    });
  });

  describe('waiting for the REGISTER', () => {
    it('rings a pushed device when its instance registers, once, and ignores other AORs and removals', async () => {
      const rung: ReachableDevice[] = [];
      const h = server.incomingCall(call(), (d) => rung.push(d));
      watcher.emit({ type: 'added', aor: 'sip:carol@push.test', key: IPHONE, binding: { ...binding(IPHONE, 'tok-i', 'apns', 4000), aor: 'sip:carol@push.test' } });
      watcher.emit({ type: 'removed', aor: AOR, key: IPHONE });
      assert.equal(rung.length, 0);
      watcher.emit({ type: 'added', aor: AOR, key: IPHONE, binding: binding(IPHONE, 'tok-i', 'apns', 4000) });
      watcher.emit({ type: 'refreshed', aor: AOR, key: IPHONE, binding: binding(IPHONE, 'tok-i', 'apns', 4000) });
      assert.equal(rung.length, 1);
      assert.equal(rung[0].instance, IPHONE);
      assert.equal(rung[0].nextHop, 'sip:127.0.0.1:4000;transport=udp');
      h.end('answered');
    });

    it('matches a binding without an instance by its pn-prid', () => {
      const rung: ReachableDevice[] = [];
      const h = server.incomingCall(call(), (d) => rung.push(d));
      watcher.emit({ type: 'added', aor: AOR, key: 'k', binding: binding(undefined, 'tok-p', 'fcm', 4002) });
      assert.equal(rung.length, 1);
      assert.equal(rung[0].requestUri, 'sip:bob@127.0.0.1:4002');
      h.end('answered');
    });

    it('calls waitOver when every pushed device rang, and stops listening', () => {
      let over = 0;
      const h = server.incomingCall(call(), () => undefined, () => over++);
      watcher.emit({ type: 'added', aor: AOR, key: IPHONE, binding: binding(IPHONE, 'tok-i', 'apns', 4000) });
      assert.equal(over, 0);
      watcher.emit({ type: 'added', aor: AOR, key: PIXEL, binding: binding(PIXEL, 'tok-p', 'fcm', 4001) });
      assert.equal(over, 1);
      assert.equal(watcher.watchedAors, 0);
      h.end('no-answer');
    });

    it('calls waitOver once the wait runs out', async () => {
      const over = await new Promise<number>((resolve) => {
        const started = Date.now();
        const h = server.incomingCall(call(), () => undefined, () => { resolve(Date.now() - started); h.end('no-answer'); });
      });
      assert.ok(over >= 950 && over < 3000, `waited ${over} ms`);
      assert.equal(watcher.watchedAors, 0);
    });

    it('a dead token (invalidToken) ends the wait for that device', async () => {
      sender.result = (r) => ({ ok: false, provider: r.target.provider, status: 410, reason: 'Unregistered', invalidToken: true, attempts: 1 });
      let over = 0;
      const h = server.incomingCall(call(), () => undefined, () => over++);
      await server.idle();
      assert.equal(over, 1);
      h.end('no-answer');
    });
  });

  describe('a call without sleeping devices', () => {
    it('sends no call push, never calls waitOver, and still alerts every device when unanswered', async () => {
      let over = 0;
      const h = server.incomingCall({ ...call(), devices: [] }, () => undefined, () => over++);
      await server.idle();
      assert.equal(sender.requests.length, 0);
      assert.equal(watcher.watchedAors, 0);
      h.end('failed');
      await server.idle();
      assert.equal(over, 0);
      assert.deepEqual(sender.requests.map((r) => r.kind), ['missed-call', 'missed-call', 'missed-call']);
    });
  });

  describe('end', () => {
    it('cancelled: a call-ended push to each pushed device; no listener or call left', async () => {
      const h = server.incomingCall(call(), () => undefined);
      await server.idle();
      h.end('cancelled');
      h.end('cancelled');
      await server.idle();
      const ended = sender.requests.filter((r) => r.kind === 'call-ended');
      assert.deepEqual(ended.map((r) => r.target.prid), ['tok-i', 'tok-p']);
      assert.equal(ended[0].data.reason, 'cancelled');
      assert.equal(server.active, 0);
      assert.equal(watcher.watchedAors, 0);
    });

    it('answered by a woken device: call-ended only to the pushed devices that never rang', async () => {
      const h = server.incomingCall(call(), () => undefined);
      watcher.emit({ type: 'added', aor: AOR, key: IPHONE, binding: binding(IPHONE, 'tok-i', 'apns', 4000) });
      h.end('answered');
      await server.idle();
      assert.deepEqual(sender.requests.filter((r) => r.kind === 'call-ended').map((r) => r.target.prid), ['tok-p']);
    });

    it('no-answer: a missed-call alert to EVERY push-capable device of the callee', async () => {
      const h = server.incomingCall(call(), () => undefined);
      h.end('no-answer');
      await server.idle();
      const missed = sender.requests.filter((r) => r.kind === 'missed-call');
      assert.deepEqual(missed.map((r) => r.target.prid).sort(), ['tok-i', 'tok-ipad', 'tok-p']);
      assert.equal(missed[0].alert?.body, 'Alice');
      assert.equal(sender.requests.filter((r) => r.kind === 'call-ended').length, 0);
    });
  });
});

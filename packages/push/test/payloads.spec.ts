// The wire form of each PushKind, for APNs (headers + payload) and FCM (v1 message).
import * as assert from 'node:assert/strict';
import { apnsCollapseId, buildApnsPush } from '../src/apns-payload';
import { buildFcmMessage } from '../src/fcm-message';
import type { PushKind, PushRequest } from '../src/types';

const NOW = 1_700_000_000;
const req = (kind: PushKind, extra: Partial<PushRequest> = {}): PushRequest =>
  ({ target: { provider: 'apns', prid: 'ab'.repeat(32) }, kind, data: { callId: 'c-1' }, ...extra });

describe('APNs payloads', () => {
  it('call is a VoIP push to <bundle>.voip, priority 10, expiration 0, with an empty aps', () => {
    assert.deepEqual(buildApnsPush(req('call'), 'org.x', NOW), {
      topic: 'org.x.voip', pushType: 'voip', priority: 10, expiry: 0, payload: { callId: 'c-1', kind: 'call', aps: {} },
    });
  });

  it('call-ended is never a VoIP push (iOS 13+ requires each VoIP push to report a call): background, priority 5', () => {
    const p = buildApnsPush(req('call-ended', { collapseId: 'c-1' }), 'org.x', NOW);
    assert.deepEqual([p.pushType, p.topic, p.priority, p.expiry, p.collapseId], ['background', 'org.x', 5, 0, 'c-1']);
    assert.deepEqual(p.payload.aps, { 'content-available': 1 });
  });

  it('message and missed-call are alerts with title, body, sound, badge, thread and collapse id, kept a day', () => {
    for (const kind of ['message', 'missed-call'] as const) {
      const p = buildApnsPush(req(kind, { alert: { title: 'T', body: 'B' }, badge: 3, collapseId: 'conv' }), 'org.x', NOW);
      assert.deepEqual(p, {
        topic: 'org.x', pushType: 'alert', priority: 10, expiry: NOW + 86400, collapseId: 'conv',
        payload: { callId: 'c-1', kind, aps: { alert: { title: 'T', body: 'B' }, sound: 'default', badge: 3, 'thread-id': 'conv' } },
      });
    }
  });

  it('an alert without badge leaves aps.badge out (the app keeps its count)', () => {
    assert.equal('badge' in buildApnsPush(req('message', { alert: { title: 'T', body: 'B' } }), 'org.x', NOW).payload.aps, false);
  });

  it('binding-refresh is a silent background push, priority 5', () => {
    const p = buildApnsPush(req('binding-refresh', { data: {} }), 'org.x', NOW);
    assert.deepEqual([p.pushType, p.priority, p.payload], ['background', 5, { kind: 'binding-refresh', aps: { 'content-available': 1 } }]);
  });

  it('a collapse id over 64 bytes is replaced by a stable hash that fits (Apple\'s limit)', () => {
    const long = `room-${'é'.repeat(40)}@conference.example.com`;
    const id = apnsCollapseId(long);
    assert.ok(Buffer.byteLength(id) <= 64);
    assert.equal(id, apnsCollapseId(long));
    assert.notEqual(id, apnsCollapseId(`${long}x`));
    assert.equal(apnsCollapseId('short'), 'short');
  });
});

describe('FCM messages', () => {
  const f = (kind: PushKind, extra: Partial<PushRequest> = {}): PushRequest => req(kind, { target: { provider: 'fcm', prid: 'tok' }, ...extra });

  it('call and call-ended are data-only, android priority high, ttl 0', () => {
    for (const kind of ['call', 'call-ended'] as const) {
      assert.deepEqual(buildFcmMessage(f(kind)), { token: 'tok', data: { callId: 'c-1', kind }, android: { priority: 'high', ttl: 0 } });
    }
  });

  it('message carries a notification, the data, collapse key, tag and count', () => {
    assert.deepEqual(buildFcmMessage(f('message', { alert: { title: 'T', body: 'B' }, badge: 5, collapseId: 'conv' })), {
      token: 'tok', notification: { title: 'T', body: 'B' }, data: { callId: 'c-1', kind: 'message' },
      android: { priority: 'high', ttl: 86400000, collapseKey: 'conv', notification: { sound: 'default', tag: 'conv', notificationCount: 5 } },
    });
  });

  it('binding-refresh is data-only with a one-hour ttl', () => {
    assert.deepEqual(buildFcmMessage(f('binding-refresh', { data: {} })), { token: 'tok', data: { kind: 'binding-refresh' }, android: { priority: 'high', ttl: 3600000 } });
  });
});

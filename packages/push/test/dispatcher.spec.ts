// Dispatcher logic with scripted providers: routing, retries with backoff, counters, dead tokens,
// and the classification of each library's failures.
import * as assert from 'node:assert/strict';
import { classifyApnsFailure } from '../src/apns-provider';
import { backoffDelay } from '../src/backoff';
import { PushDispatcher } from '../src/dispatcher';
import { classifyFcmError } from '../src/fcm-provider';
import type { AttemptOutcome, PushProvider } from '../src/provider';
import type { PushRequest, PushTarget } from '../src/types';

class Scripted implements PushProvider {
  calls = 0;
  constructor(readonly name: string, private readonly outcomes: AttemptOutcome[]) {}
  async attempt(): Promise<AttemptOutcome> {
    const o = this.outcomes[Math.min(this.calls, this.outcomes.length - 1)];
    this.calls++;
    return o;
  }
  async close(): Promise<void> { /* nothing */ }
}

const req = (provider: string): PushRequest => ({ target: { provider, prid: 'tok' }, kind: 'call', data: {} });

function dispatcher(p: PushProvider, extra: { maxAttempts?: number; dead?: PushTarget[] } = {}): { d: PushDispatcher; waits: number[] } {
  const waits: number[] = [];
  const d = new PushDispatcher({
    providers: [p], maxAttempts: extra.maxAttempts ?? 3, sleep: async (ms) => { waits.push(ms); },
    onInvalidToken: (t) => { extra.dead?.push(t); },
  });
  return { d, waits };
}

describe('PushDispatcher', () => {
  it('retries 429/5xx up to maxAttempts and reports the last answer', async () => {
    const p = new Scripted('apns', [{ ok: false, status: 500, reason: 'InternalServerError', retryable: true }]);
    const { d, waits } = dispatcher(p);
    const r = await d.send(req('apns'));
    assert.deepEqual(r, { ok: false, provider: 'apns', status: 500, reason: 'InternalServerError', attempts: 3 });
    assert.equal(p.calls, 3);
    assert.equal(waits.length, 2);
    assert.deepEqual(d.stats(), { apns: { sent: 0, failed: 1, retried: 2, invalidTokens: 0 } });
  });

  it('stops retrying at the first success', async () => {
    const p = new Scripted('fcm', [{ ok: false, status: 429, retryable: true }, { ok: true, status: 200, id: 'm/1' }]);
    const { d } = dispatcher(p);
    assert.deepEqual(await d.send(req('fcm')), { ok: true, provider: 'fcm', status: 200, id: 'm/1', attempts: 2 });
    assert.deepEqual(d.stats().fcm, { sent: 1, failed: 0, retried: 1, invalidTokens: 0 });
  });

  it('honours a provider Retry-After, capped', async () => {
    const p = new Scripted('apns', [{ ok: false, status: 429, retryable: true, retryAfterSeconds: 2 }, { ok: false, status: 429, retryable: true, retryAfterSeconds: 3600 }, { ok: true }]);
    const { d, waits } = dispatcher(p);
    await d.send(req('apns'));
    assert.deepEqual(waits, [2000, 10000]);
  });

  it('does not retry what is not retryable, and reports a dead token to the hook once', async () => {
    const dead: PushTarget[] = [];
    const p = new Scripted('apns', [{ ok: false, status: 410, reason: 'Unregistered', invalidToken: true }]);
    const { d } = dispatcher(p, { dead });
    const r = await d.send(req('apns'));
    assert.deepEqual([r.attempts, r.invalidToken], [1, true]);
    assert.deepEqual(dead, [{ provider: 'apns', prid: 'tok' }]);
    assert.equal(d.stats().apns.invalidTokens, 1);
  });

  it('never throws: a provider exception and a failing hook become a failed result', async () => {
    const boom: PushProvider = { name: 'apns', attempt: async () => { throw new Error('socket hang up'); }, close: async () => undefined };
    const d = new PushDispatcher({ providers: [boom], maxAttempts: 1 });
    assert.deepEqual(await d.send(req('apns')), { ok: false, provider: 'apns', reason: 'socket hang up', attempts: 1 });
    const p = new Scripted('fcm', [{ ok: false, status: 404, reason: 'UNREGISTERED', invalidToken: true }]);
    const d2 = new PushDispatcher({ providers: [p], maxAttempts: 1, onInvalidToken: () => { throw new Error('db down'); } });
    assert.equal((await d2.send(req('fcm'))).invalidToken, true);
  });

  it('an unknown pn-provider is unsupported-provider without an attempt', async () => {
    const { d } = dispatcher(new Scripted('apns', [{ ok: true }]));
    assert.deepEqual(await d.send(req('webpush')), { ok: false, provider: 'webpush', reason: 'unsupported-provider', attempts: 0 });
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter between half and the full step, up to the cap', () => {
    const opts = { baseMs: 100, maxMs: 1000, retryAfterCapMs: 5000 };
    assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(a, undefined, opts, () => 0)), [50, 100, 200, 400, 500]);
    assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(a, undefined, opts, () => 0.999999)), [100, 200, 400, 800, 1000]);
  });

});

describe('failure classification', () => {
  it('APNs: 410 and 400 BadDeviceToken are dead tokens; 429, 5xx and ExpiredProviderToken are retryable', () => {
    assert.deepEqual(classifyApnsFailure({ status: 410, response: { reason: 'Unregistered' } }), { ok: false, status: 410, reason: 'Unregistered', invalidToken: true });
    assert.equal(classifyApnsFailure({ status: 400, response: { reason: 'BadDeviceToken' } }).invalidToken, true);
    assert.equal(classifyApnsFailure({ status: 400, response: { reason: 'BadTopic' } }).invalidToken, undefined);
    assert.equal(classifyApnsFailure({ status: 429, response: { reason: 'TooManyRequests' } }).retryable, true);
    assert.equal(classifyApnsFailure({ status: 503, error: new Error('x') }).retryable, true);
    assert.equal(classifyApnsFailure({ status: 403, error: new Error('ExpiredProviderToken') }).retryable, true);
    assert.equal(classifyApnsFailure({ status: 403, response: { reason: 'InvalidProviderToken' } }).retryable, undefined);
  });

  it('FCM: UNREGISTERED and invalid registration tokens are dead; quota and server errors are retryable', () => {
    const err = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
    assert.deepEqual(classifyFcmError(err('messaging/registration-token-not-registered')), { ok: false, status: 404, reason: 'UNREGISTERED', invalidToken: true });
    assert.equal(classifyFcmError(err('messaging/invalid-argument', 'The registration token is not a valid FCM registration token')).invalidToken, true);
    assert.equal(classifyFcmError(err('messaging/invalid-argument', 'ttl bad')).invalidToken, undefined);
    assert.deepEqual(classifyFcmError(err('messaging/message-rate-exceeded')), { ok: false, status: 429, reason: 'QUOTA_EXCEEDED', retryable: true });
    assert.equal(classifyFcmError(err('messaging/internal-error')).retryable, true);
    assert.equal(classifyFcmError(err('app/invalid-credential', 'token refused')).retryable, false);
  });
});

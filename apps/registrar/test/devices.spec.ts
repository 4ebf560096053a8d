// The devices table writer skips a refresh that changes nothing for UNCHANGED_REWRITE_MS.
import assert from 'node:assert/strict';
import type { Queryable } from '@openline/db';
import type { Binding } from '@openline/location';
import { DeviceRecorder, UNCHANGED_REWRITE_MS } from '../src/lib/devices';

class CountingDb {
  readonly writes: unknown[][] = [];
  query<T>(_sql: string, params?: unknown[]): Promise<T> {
    this.writes.push(params ?? []);
    return Promise.resolve([] as unknown as T);
  }
}

function binding(over: Partial<Binding> = {}): Binding {
  return {
    aor: 'sip:alice@example.test', key: 'k', contact: 'sip:alice@192.0.2.1', expiresAt: 2_000_000, callId: 'c', cseq: 1,
    instance: 'urn:uuid:00000000-0000-4000-8000-000000000001', accountId: 7, userAgent: 'phone/1',
    push: { provider: 'apns', prid: 'aa11', param: 'TEAM.com.example.voip' }, updatedAt: 1_000_000,
    ...over,
  } as Binding;
}

describe('registrar: DeviceRecorder', () => {
  let db: CountingDb;
  let now: number;
  let rec: DeviceRecorder;
  beforeEach(() => {
    db = new CountingDb();
    now = 1_000_000;
    rec = new DeviceRecorder(db as unknown as Queryable, () => now);
  });

  it('writes a device the first time it is seen, with its push parameters', async () => {
    await rec.record(binding());
    assert.equal(db.writes.length, 1);
    assert.deepEqual(db.writes[0].slice(0, 6), [7, 'urn:uuid:00000000-0000-4000-8000-000000000001', 'phone/1', 'apns', 'aa11', 'TEAM.com.example.voip']);
  });

  it('skips an unchanged refresh within the window and writes it again after the window', async () => {
    await rec.record(binding());
    now += UNCHANGED_REWRITE_MS - 1;
    await rec.record(binding());
    assert.equal(db.writes.length, 1);
    now += 2;
    await rec.record(binding());
    assert.equal(db.writes.length, 2);
  });

  it('writes at once when the token, pn-param or user agent changes', async () => {
    await rec.record(binding());
    await rec.record(binding({ push: { provider: 'apns', prid: 'bb22', param: 'TEAM.com.example.voip' } }));
    await rec.record(binding({ push: { provider: 'apns', prid: 'bb22', param: 'OTHER.com.example.voip' } }));
    await rec.record(binding({ push: { provider: 'apns', prid: 'bb22', param: 'OTHER.com.example.voip' }, userAgent: 'phone/2' }));
    await rec.record(binding({ push: undefined, userAgent: 'phone/2' }));
    assert.equal(db.writes.length, 5);
  });

  it('keeps devices apart: another instance or account is written', async () => {
    await rec.record(binding());
    await rec.record(binding({ instance: 'urn:uuid:00000000-0000-4000-8000-000000000002' }));
    await rec.record(binding({ accountId: 8 }));
    assert.equal(db.writes.length, 3);
  });

  it('writes nothing for a binding without an instance or account', async () => {
    await rec.record(binding({ instance: undefined }));
    await rec.record(binding({ accountId: undefined }));
    assert.equal(db.writes.length, 0);
  });
});

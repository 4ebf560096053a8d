// Acceptance (issue 8): who may call the CDR routes. Operator API keys made and revoked with
// bin/ctl (hashed at rest), scopes read/export, account tokens refused on operator routes with
// 403, clear 401s; bad input is a 400 naming the parameter; limits answer 429; a store that does
// not answer is a 503.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CdrStoreUnavailableError, MemoryCdrStore, type CdrFilter, type CdrRecord } from '@openline/cdr';
import { genCdrs } from '../cdr/support';
import { bearer, bulkInsert, createKey, ctl, startCdrApi, type CdrApi } from './support';

const BASE = new Date('2026-05-01T00:00:00.000Z');

describe('CDR API: authentication, scopes, validation and limits', function () {
  this.timeout(120_000);
  let t: CdrApi;
  let read: { key: string; name: string };
  let exporter: { key: string; name: string };

  before(async () => {
    t = await startCdrApi();
    await bulkInsert(t.pool, t.table, genCdrs(300, { base: BASE, spanMs: 86_400_000 * 5, seed: 17 }));
    read = await createKey(t.stack, 'read');
    exporter = await createKey(t.stack, 'export');
  });
  after(async () => { await t?.close(); });

  describe('operator API keys', () => {
    it('accepts a read key as "Authorization: Bearer ol_..." and as "X-API-Key"', async () => {
      assert.equal((await t.get('/v1/cdrs?limit=5', bearer(read.key))).status, 200);
      const r = await t.get('/v1/cdrs?limit=5', { 'x-api-key': read.key });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.body.items as unknown[]).length, 5);
    });

    it('answers 401 with a message naming both headers when no key is sent', async () => {
      const r = await t.get('/v1/cdrs');
      assert.equal(r.status, 401);
      assert.equal(r.body.error?.code, 'api_key_required');
      assert.match(r.body.error?.message ?? '', /Authorization: Bearer ol_.*X-API-Key/);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    });

    it('answers 401 invalid_api_key for a well-formed unknown key, a tampered key and garbage', async () => {
      const unknown = `ol_${randomBytes(32).toString('base64url')}`;
      const tampered = read.key.slice(0, -1) + (read.key.endsWith('A') ? 'B' : 'A');
      for (const k of [unknown, tampered, 'hello']) {
        const r = await t.get('/v1/cdrs', bearer(k));
        assert.equal(r.status, 401, k);
        assert.equal(r.body.error?.code, 'invalid_api_key');
      }
    });

    it('stores only a SHA-256 of the key; ctl apikey list shows the prefix, never the key', async () => {
      const rows = await t.pool.query<Array<{ key_hash: Buffer; prefix: string }>>('SELECT key_hash, prefix FROM api_keys WHERE name = ?', [read.name]);
      assert.equal(rows.length, 1);
      assert.deepEqual(Buffer.from(rows[0].key_hash), createHash('sha256').update(read.key).digest());
      assert.equal(rows[0].prefix, read.key.slice(3, 11));
      const list = await ctl(t.stack, 'apikey', 'list');
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(read.name));
      assert.ok(!list.stdout.includes(read.key), 'the key itself is never listed');
    });

    it('refuses a key revoked with ctl apikey revoke at once (401 api_key_revoked)', async () => {
      const k = await createKey(t.stack, 'read,export');
      assert.equal((await t.get('/v1/cdrs?limit=1', bearer(k.key))).status, 200);
      const rv = await ctl(t.stack, 'apikey', 'revoke', k.name);
      assert.equal(rv.code, 0, rv.stderr);
      const r = await t.get('/v1/cdrs?limit=1', bearer(k.key));
      assert.equal(r.status, 401);
      assert.equal(r.body.error?.code, 'api_key_revoked');
      assert.equal((await ctl(t.stack, 'apikey', 'revoke', k.name)).code, 1, 'revoking twice is refused');
    });

    it('ctl refuses an unknown scope (exit 2) and a duplicate name (exit 1)', async () => {
      assert.equal((await ctl(t.stack, 'apikey', 'create', `x-${randomBytes(3).toString('hex')}`, '--scopes', 'admin')).code, 2);
      assert.equal((await ctl(t.stack, 'apikey', 'create', read.name)).code, 1);
    });
  });

  describe('scopes and account tokens', () => {
    it('answers 403 insufficient_scope to a read key on the export and to an export-only key on reads', async () => {
      const r = await t.get('/v1/cdrs/export', bearer(read.key));
      assert.equal(r.status, 403);
      assert.equal(r.body.error?.code, 'insufficient_scope');
      assert.match(r.body.error?.message ?? '', /'export' scope/);
      const e = await t.get('/v1/cdrs/stats', bearer(exporter.key));
      assert.equal(e.status, 403);
      assert.equal(e.body.error?.code, 'insufficient_scope');
      assert.equal((await t.get('/v1/cdrs/export?format=ndjson', bearer(exporter.key))).status, 200);
    });

    it('answers 403 operator_only to a valid account access token on every operator route', async () => {
      const token = t.tokenFor(3);
      for (const p of ['/v1/cdrs', '/v1/cdrs/stats', '/v1/cdrs/export', `/v1/cdrs/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`]) {
        const r = await t.get(p, bearer(token));
        assert.equal(r.status, 403, p);
        assert.equal(r.body.error?.code, 'operator_only');
      }
    });

    it('answers 401 to an operator key on the user call log (it is not an account token)', async () => {
      const r = await t.get('/v1/me/calls', bearer(read.key));
      assert.equal(r.status, 401);
    });
  });

  describe('bad input: 400 naming the parameter', () => {
    const cases: Array<[string, string]> = [
      ['from=yesterday', 'from'],
      ['from=2026-05-03&to=2026-05-02', 'to'],
      ['accountId=abc', 'accountId'],
      ['accountId=0', 'accountId'],
      ['number=12ab', 'number'],
      ['callerNumber=%2B', 'callerNumber'],
      ['direction=sideways', 'direction'],
      ['disposition=answered,lost', 'disposition'],
      ['trunkId=-1', 'trunkId'],
      ['minDuration=1.5', 'minDuration'],
      ['sipStatus=99', 'sipStatus'],
      ['sort=newest', 'sort'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['cursor=garbage', 'cursor'],
      ['colour=blue', 'colour'],
    ];
    for (const [q, field] of cases) {
      it(`/v1/cdrs?${q} → 400 field ${field}`, async () => {
        const r = await t.get(`/v1/cdrs?${q}`, bearer(read.key));
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.error?.field, field);
        assert.match(r.body.error?.message ?? '', new RegExp(`^${field}: `));
      });
    }

    it('a store cursor whose filter differs (forged or replayed on another query) → 400 cursor', async () => {
      const p = await t.get('/v1/cdrs?limit=2&direction=onnet', bearer(read.key));
      const cursor = p.body.nextCursor as string;
      assert.ok(cursor);
      assert.equal((await t.get(`/v1/cdrs?limit=2&direction=onnet&cursor=${encodeURIComponent(cursor)}`, bearer(read.key))).status, 200);
      const r = await t.get(`/v1/cdrs?limit=2&direction=inbound&cursor=${encodeURIComponent(cursor)}`, bearer(read.key));
      assert.equal(r.status, 400);
      assert.equal(r.body.error?.field, 'cursor');
      const s = await t.get(`/v1/cdrs?limit=2&direction=onnet&sort=startTime&cursor=${encodeURIComponent(cursor)}`, bearer(read.key));
      assert.equal(s.status, 400);
    });

    it('stats: groupBy=week → 400 groupBy; export: format=xml → 400 format', async () => {
      const g = await t.get('/v1/cdrs/stats?groupBy=week', bearer(read.key));
      assert.equal(g.status, 400);
      assert.equal(g.body.error?.field, 'groupBy');
      const f = await t.get('/v1/cdrs/export?format=xml', bearer(exporter.key));
      assert.equal(f.status, 400);
      assert.equal(f.body.error?.field, 'format');
    });
  });

  describe('limits and outages', () => {
    it('answers 429 with Retry-After past requestsPerMinutePerKey and exportsPerMinutePerKey', async () => {
      const small = await startCdrApi({ cdr: { requestsPerMinutePerKey: 3, exportsPerMinutePerKey: 1 } });
      try {
        const k = await createKey(small.stack, 'read');
        for (let i = 0; i < 3; i++) assert.equal((await small.get('/v1/cdrs?limit=1', bearer(k.key))).status, 200);
        const r = await small.get('/v1/cdrs?limit=1', bearer(k.key));
        assert.equal(r.status, 429);
        assert.ok(Number(r.headers.get('retry-after')) >= 1);
        const e = await createKey(small.stack, 'export');
        assert.equal((await small.get('/v1/cdrs/export', bearer(e.key))).status, 200);
        const again = await small.get('/v1/cdrs/export', bearer(e.key));
        assert.equal(again.status, 429);
        assert.match(again.body.error?.message ?? '', /exports this minute/);
      } finally {
        await small.close();
      }
    });

    it('an export whose store fails within the first chunk is a JSON 503; after bytes went out, a cut-off body', async () => {
      /** Yields `n` rows, then fails as an unreachable backend would. */
      class FailingExport extends MemoryCdrStore {
        constructor(private readonly n: number) { super(); }
        override exportStream(filter: CdrFilter): AsyncIterable<CdrRecord> {
          const inner = super.exportStream(filter);
          const n = this.n;
          return {
            async *[Symbol.asyncIterator](): AsyncGenerator<CdrRecord> {
              let i = 0;
              for await (const c of inner) {
                if (i++ === n) throw new CdrStoreUnavailableError('backend went away');
                yield c;
              }
            },
          };
        }
      }
      const rows = genCdrs(1000, { base: BASE, spanMs: 86_400_000, seed: 5 });
      for (const [n, early] of [[3, true], [900, false]] as const) {
        const store = new FailingExport(n);
        for (const c of rows) await store.insert(c);
        const api = await startCdrApi({ store: () => store });
        try {
          const k = await createKey(api.stack, 'export');
          const res = await fetch(`${api.api.url}/v1/cdrs/export`, { headers: bearer(k.key) });
          if (early) {
            assert.equal(res.status, 503);
            assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'cdr_store_unavailable');
          } else {
            assert.equal(res.status, 200);
            await assert.rejects(res.text(), 'the body is cut off, not ended as if complete');
          }
        } finally {
          await api.close();
        }
      }
    });

    it('answers 503 (JSON, before any export byte) when the CDR store does not answer', async () => {
      const down = new MemoryCdrStore();
      down.down = true;
      const api = await startCdrApi({ store: () => down });
      try {
        const k = await createKey(api.stack, 'read,export');
        for (const p of ['/v1/cdrs', '/v1/cdrs/stats', '/v1/cdrs/export']) {
          const r = await api.get(p, bearer(k.key));
          assert.equal(r.status, 503, p);
          assert.equal(r.body.error?.code, 'cdr_store_unavailable');
        }
      } finally {
        await api.close();
      }
    });
  });
});

// MariaDB EXPLAIN of the query shape the API adds (issue 8): an account's (or an either-party
// number prefix's) page is a UNION ALL of two one-column branches, for an account each an ordered
// scan of one account index with no filesort, joined back to the rows by primary key, instead of
// an index merge that sorts every matching row (test/cdr/mariadb-explain.test.ts covers the rest).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CdrFilter, CdrQueryOptions } from '@openline/cdr';
import { MariaDbCdrReader } from '@openline/api/dist/src/services/cdr-mariadb-reader';
import type { Pool } from '@openline/db';
import { genCdrs } from '../cdr/support';
import { getSharedStack } from '../support/stack';
import { bulkInsert } from './support';

interface ExplainRow { id: number; select_type: string; table: string; type: string; key: string | null; rows: number; Extra: string | null }

const BASE = new Date('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;

describe('MariaDB: the account query of the CDR API (EXPLAIN over 20k rows)', function () {
  this.timeout(120_000);
  let pool: Pool;
  let table: string;
  let store: MariaDbCdrReader;

  before(async () => {
    pool = (await getSharedStack()).dbPool();
    table = `cdrs_apiexplain_${randomBytes(4).toString('hex')}`;
    await pool.query(`CREATE TABLE ${table} LIKE cdrs`);
    store = new MariaDbCdrReader(pool, { table });
    await bulkInsert(pool, table, genCdrs(20_000, { base: BASE, spanMs: 60 * DAY, seed: 31 }));
    await pool.query(`ANALYZE TABLE ${table}`);
  });
  after(async () => {
    if (table && pool) await pool.query(`DROP TABLE IF EXISTS ${table}`);
  });

  async function explain(filter: CdrFilter, options: CdrQueryOptions = {}): Promise<ExplainRow[]> {
    const { sql, params } = store.querySql(filter, { limit: 100, ...options });
    return pool.query<ExplainRow[]>(`EXPLAIN ${sql}`, params);
  }

  const from = new Date(BASE.getTime() + 20 * DAY);
  const to = new Date(BASE.getTime() + 41 * DAY);
  const cases: Array<{ name: string; filter: CdrFilter; options?: CdrQueryOptions }> = [
    { name: 'account, newest first', filter: { accountId: 3 } },
    { name: 'account + time range, oldest first', filter: { accountId: 3, from, to }, options: { sort: 'startTime' } },
    { name: 'account + time range + disposition', filter: { accountId: 5, from, to, disposition: ['answered', 'busy'] } },
  ];

  for (const c of cases) {
    it(`${c.name}: each branch reads one account index in order (no filesort, no full scan)`, async () => {
      const rows = await explain(c.filter, c.options);
      const branches = rows.filter((r) => r.table === table);
      assert.equal(branches.length, 2, JSON.stringify(rows));
      const keys = branches.map((b) => b.key).sort();
      assert.deepEqual(keys, ['ix_cdrs_callee_account_start', 'ix_cdrs_caller_account_start'], JSON.stringify(rows));
      for (const b of branches) {
        assert.notEqual(b.type, 'ALL', JSON.stringify(b));
        assert.doesNotMatch(b.Extra ?? '', /filesort/, `a branch sorts: ${JSON.stringify(b)}`);
      }
      // The page's full rows are then read by primary key, one per merged id.
      const join = rows.find((r) => r.table === 'c');
      assert.ok(join && join.type === 'eq_ref' && join.key === 'PRIMARY', JSON.stringify(rows));
    });
  }

  const numberCases: Array<{ name: string; filter: CdrFilter }> = [
    { name: 'number prefix (either party), no time range', filter: { numberPrefix: '+4930' } },
    { name: 'number prefix (either party) + time range', filter: { numberPrefix: '+1415', from, to } },
    { name: 'long number prefix (either party)', filter: { numberPrefix: '+44207123' } },
  ];
  for (const c of numberCases) {
    it(`${c.name}: two one-column branches, never an index merge or a full scan`, async () => {
      const rows = await explain(c.filter);
      const branches = rows.filter((r) => r.table === table);
      assert.equal(branches.length, 2, JSON.stringify(rows));
      for (const b of branches) {
        assert.notEqual(b.type, 'ALL', JSON.stringify(b));
        assert.notEqual(b.type, 'index_merge', JSON.stringify(b));
        assert.match(b.key ?? '', /^ix_cdrs_(start|caller_number|callee_number)$/, JSON.stringify(b));
      }
    });
  }

  it('the page after a cursor keeps the same plan', async () => {
    const page = await store.query({ accountId: 3 }, { limit: 100 });
    assert.ok(page.nextCursor);
    const rows = await explain({ accountId: 3 }, { cursor: page.nextCursor });
    for (const b of rows.filter((r) => r.table === table)) {
      assert.match(b.key ?? '', /^ix_cdrs_(caller|callee)_account_start$/, JSON.stringify(b));
      assert.doesNotMatch(b.Extra ?? '', /filesort/, JSON.stringify(b));
    }
  });

  it('without an account the base store\'s single query is used', async () => {
    const rows = await explain({ from, to });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].key, 'ix_cdrs_start');
  });
});

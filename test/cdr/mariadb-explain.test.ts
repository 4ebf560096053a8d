// MariaDB uses an index for each main CDR filter (issue 8): EXPLAIN of the store's own page query
// over 20k generated rows, in a copy of the cdrs table in the shared stack.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CDR_COLUMNS, cdrToParams, CdrFilter, MariaDbCdrStore } from '@openline/cdr';
import type { Pool } from '@openline/db';
import { getSharedStack } from '../support/stack';
import { genCdrs } from './support';

interface ExplainRow { id: number; select_type: string; table: string; type: string; possible_keys: string | null; key: string | null; rows: number; Extra: string | null }

const BASE = new Date('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;

/** `n` generated CDRs over 60 days, then doubled `doublings` times server-side (new ids, times + 1 s). */
async function fill(pool: Pool, table: string, n: number, doublings: number, seed: number): Promise<void> {
  const sql = `INSERT INTO ${table} (${CDR_COLUMNS.join(', ')}) VALUES (${CDR_COLUMNS.map(() => '?').join(', ')})`;
  const cdrs = genCdrs(n, { base: BASE, spanMs: 60 * DAY, seed });
  for (let i = 0; i < cdrs.length; i += 2500) await pool.batch(sql, cdrs.slice(i, i + 2500).map(cdrToParams));
  const copy = CDR_COLUMNS.map((col) => (col === 'id' ? 'UUID()'
    : /^(start|ringing|answer|end)_time$/.test(col) ? `${col} + INTERVAL 1 SECOND` : col)).join(', ');
  for (let d = 0; d < doublings; d++) await pool.query(`INSERT INTO ${table} (${CDR_COLUMNS.join(', ')}) SELECT ${copy} FROM ${table}`);
}

describe('MariaDB CDR queries use indexes (EXPLAIN over 20k rows)', function () {
  this.timeout(120_000);
  let pool: Pool;
  let table: string;
  let store: MariaDbCdrStore;

  before(async () => {
    pool = (await getSharedStack()).dbPool();
    table = `cdrs_explain_${randomBytes(4).toString('hex')}`;
    await pool.query(`CREATE TABLE ${table} LIKE cdrs`);
    store = new MariaDbCdrStore(pool, { table });
    await fill(pool, table, 5000, 2, 8);
    await pool.query(`ANALYZE TABLE ${table}`);
  });

  after(async () => {
    if (table && pool) await pool.query(`DROP TABLE IF EXISTS ${table}`);
  });

  async function explain(filter: CdrFilter): Promise<ExplainRow> {
    const { sql, params } = store.querySql(filter, { limit: 100 });
    const rows = await pool.query<ExplainRow[]>(`EXPLAIN ${sql}`, params);
    assert.equal(rows.length, 1);
    return rows[0];
  }

  const from = new Date(BASE.getTime() + 20 * DAY);
  const to = new Date(BASE.getTime() + 21 * DAY);
  const cases: Array<{ name: string; filter: CdrFilter; keys: string[] }> = [
    { name: 'time range', filter: { from, to }, keys: ['ix_cdrs_start'] },
    { name: 'no filter (newest first)', filter: {}, keys: ['ix_cdrs_start'] },
    { name: 'account + time range', filter: { accountId: 3, from, to }, keys: ['ix_cdrs_start', 'ix_cdrs_caller_account_start,ix_cdrs_callee_account_start'] },
    { name: 'caller number prefix', filter: { callerNumberPrefix: '+4930' }, keys: ['ix_cdrs_caller_number', 'ix_cdrs_start'] },
    { name: 'callee number prefix + time range', filter: { calleeNumberPrefix: '+3314', from, to }, keys: ['ix_cdrs_callee_number', 'ix_cdrs_start'] },
    { name: 'trunk + time range', filter: { trunkId: 2, from, to }, keys: ['ix_cdrs_trunk_start', 'ix_cdrs_start'] },
    { name: 'disposition + time range', filter: { disposition: 'busy', from, to }, keys: ['ix_cdrs_disposition_start', 'ix_cdrs_start'] },
    { name: 'SIP status', filter: { sipStatus: 503 }, keys: ['ix_cdrs_status_start', 'ix_cdrs_start'] },
  ];

  for (const c of cases) {
    it(`${c.name}: an index, no full scan`, async () => {
      const e = await explain(c.filter);
      assert.notEqual(e.type, 'ALL', `${c.name}: ${JSON.stringify(e)}`);
      assert.ok(e.key !== null && c.keys.includes(e.key), `${c.name}: ${JSON.stringify(e)}`);
    });
  }
});

describe('MariaDB CDR export streams with bounded memory', function () {
  this.timeout(180_000);
  it('exports 60k rows while the heap grows far less than the rows would take if buffered', async () => {
    const pool = (await getSharedStack()).dbPool();
    const table = `cdrs_export_${randomBytes(4).toString('hex')}`;
    await pool.query(`CREATE TABLE ${table} LIKE cdrs`);
    try {
      const store = new MariaDbCdrStore(pool, { table });
      await fill(pool, table, 7500, 3, 80);
      let n = 0;
      let maxHeap = 0;
      const startHeap = process.memoryUsage().heapUsed;
      let last = 0;
      for await (const c of store.exportStream({})) {
        assert.ok(c.startTime.getTime() >= last, 'oldest first');
        last = c.startTime.getTime();
        if (++n % 1000 === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
      }
      assert.equal(n, 60_000);
      // Buffered, 60k CdrRecords take ~200 MiB of heap (measured); streamed, the heap stays flat.
      assert.ok(maxHeap - startHeap < 64 << 20, `heap grew by ${(maxHeap - startHeap) >> 20} MiB while streaming`);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });
});

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
    const cdrs = genCdrs(20_000, { base: BASE, spanMs: 60 * DAY, seed: 8 });
    const sql = `INSERT INTO ${table} (${CDR_COLUMNS.join(', ')}) VALUES (${CDR_COLUMNS.map(() => '?').join(', ')})`;
    for (let i = 0; i < cdrs.length; i += 2000) await pool.batch(sql, cdrs.slice(i, i + 2000).map(cdrToParams));
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

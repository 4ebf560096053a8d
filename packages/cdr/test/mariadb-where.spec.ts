// The MariaDB WHERE clause: fixed column names and placeholders, values only in the parameters.
import * as assert from 'node:assert/strict';
import { normalizeFilter } from '../src/filter';
import { likePrefix, whereClause } from '../src/mariadb/where';
import { parseSqlTime, sqlTime } from '../src/mariadb/row';

describe('MariaDB WHERE clause', () => {
  it('is empty for an empty filter', () => {
    assert.deepEqual(whereClause(normalizeFilter({})), { sql: '', params: [] });
  });

  it('puts every value in params and none in the SQL text', () => {
    const from = new Date('2026-11-22T07:00:00.5Z');
    const w = whereClause(normalizeFilter({
      from, accountId: 42, numberPrefix: '+4930', direction: ['onnet', 'inbound'], disposition: 'busy', trunkId: 9,
      minTalkMs: 777, sipStatus: 486,
    }));
    assert.equal(w.sql, 'WHERE start_time >= ? AND (caller_account_id = ? OR callee_account_id = ?) AND '
      + '(caller_number LIKE ? OR callee_number LIKE ?) AND direction IN (?, ?) AND disposition = ? AND trunk_id = ? '
      + 'AND talk_ms >= ? AND sip_status = ?');
    assert.deepEqual(w.params, ['2026-11-22 07:00:00.500', 42, 42, '+4930%', '+4930%', 'onnet', 'inbound', 'busy', 9, 777, 486]);
    for (const v of ['42', '4930', 'onnet', 'busy', '777', '486']) assert.ok(!w.sql.includes(v), `${v} is not in the SQL`);
  });

  it('the keyset condition keeps a start_time range the index can use', () => {
    const id = '00000000-0000-4000-8000-00000000000a';
    const w = whereClause(normalizeFilter({}), { key: { t: 0, id }, descending: true });
    assert.equal(w.sql, 'WHERE start_time <= ? AND (start_time < ? OR id < ?)');
    assert.deepEqual(w.params, ['1970-01-01 00:00:00.000', '1970-01-01 00:00:00.000', id]);
  });

  it('LIKE prefixes escape the wildcards', () => {
    assert.equal(likePrefix('+49'), '+49%');
    assert.equal(likePrefix('a%b_c\\'), 'a\\%b\\_c\\\\%');
  });

  it('times are written and read as UTC with milliseconds', () => {
    const d = new Date('2026-11-22T23:59:59.007Z');
    assert.equal(sqlTime(d), '2026-11-22 23:59:59.007');
    assert.deepEqual(parseSqlTime('2026-11-22 23:59:59.007'), d);
    assert.deepEqual(parseSqlTime('2026-11-22 23:59:59'), new Date('2026-11-22T23:59:59.000Z'));
  });
});

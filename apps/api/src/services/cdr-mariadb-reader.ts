// The API's MariaDB CdrStore: MariaDbCdrStore with one query shape changed. "Either party is
// account A" is `caller_account_id = A OR callee_account_id = A`; MariaDB answers that with an
// index merge of the two account indexes and then sorts every row of the account in the range
// before LIMIT, so a busy account's page costs as many rows as the account has (p99 in the
// hundreds of ms at 100k rows, bench/cdr-api). Here the page is a UNION ALL of two branches, each
// an ordered scan of one account index (account, start_time, then the primary key id, which
// InnoDB appends) stopped after limit + 1 rows, merged by an outer sort of at most 2 × (limit + 1)
// rows. The second branch leaves out calls from A to A, so no row comes twice. The cursor and the
// other filters apply inside both branches (whereClause: fixed columns, '?' only).
import type { Pool } from 'mariadb';
import {
  CDR_COLUMNS, CdrStoreUnavailableError, decodeCursor, encodeCursor, isUnavailable, MariaDbCdrStore,
  normalizeFilter, normalizePage, rowToCdr, whereClause, type CdrFilter, type CdrPage, type CdrQueryOptions,
  type MariaDbCdrStoreOptions,
} from '@openline/cdr';

/** Per-query driver options as the base store uses them (times as strings, numbers as numbers). */
const READ = { dateStrings: true, bigIntAsNumber: true, decimalAsNumber: true } as const;
const QUALIFIED = CDR_COLUMNS.map((col) => `c.${col}`).join(', ');

export class MariaDbCdrReader extends MariaDbCdrStore {
  private readonly tableName: string;

  constructor(private readonly db: Pool, options: MariaDbCdrStoreOptions = {}) {
    super(db, options); // validates the table name
    this.tableName = options.table ?? 'cdrs';
  }

  /** The page SELECT: the UNION form when the filter names an account, else the base store's. */
  override querySql(filter: CdrFilter, options?: CdrQueryOptions): { sql: string; params: Array<string | number> } {
    const f = normalizeFilter(filter);
    if (f.accountId === null) return super.querySql(filter, options);
    const page = normalizePage(options);
    const after = options?.cursor ? { key: decodeCursor(options.cursor, page.sort), descending: page.descending } : undefined;
    const rest = whereClause({ ...f, accountId: null }, after);
    const and = rest.sql ? ` AND ${rest.sql.replace(/^WHERE /, '')}` : '';
    const dir = page.descending ? 'DESC' : 'ASC';
    const order = `ORDER BY start_time ${dir}, id ${dir} LIMIT ?`;
    const n = page.limit + 1;
    const t = this.tableName;
    // Branches select only (id, start_time): the union stays a small in-memory temporary table
    // (full rows hold JSON/TEXT, which would put it on disk), and an account-only page is read
    // from the index alone; the page's rows are then fetched by primary key.
    const sql = `SELECT ${QUALIFIED} FROM (`
      + `(SELECT id, start_time FROM ${t} WHERE caller_account_id = ?${and} ${order})`
      + ' UNION ALL '
      + `(SELECT id, start_time FROM ${t} WHERE callee_account_id = ? AND NOT (caller_account_id <=> ?)${and} ${order})`
      + `) AS page JOIN ${t} AS c ON c.id = page.id ORDER BY page.start_time ${dir}, page.id ${dir} LIMIT ?`;
    return { sql, params: [f.accountId, ...rest.params, n, f.accountId, f.accountId, ...rest.params, n, n] };
  }

  override async query(filter: CdrFilter, options?: CdrQueryOptions): Promise<CdrPage> {
    if (normalizeFilter(filter).accountId === null) return super.query(filter, options);
    const { sql, params } = this.querySql(filter, options);
    const page = normalizePage(options);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await this.db.query<Array<Record<string, unknown>>>({ sql, ...READ }, params);
    } catch (err) {
      if (isUnavailable(err)) throw new CdrStoreUnavailableError(`mariadb query: ${(err as Error).message.split('\n')[0]}`, err);
      throw err;
    }
    const items = rows.slice(0, page.limit).map(rowToCdr);
    const last = items[items.length - 1];
    const nextCursor = rows.length > page.limit && last ? encodeCursor({ t: last.startTime.getTime(), id: last.id }, page.sort) : null;
    return { items, nextCursor };
  }
}

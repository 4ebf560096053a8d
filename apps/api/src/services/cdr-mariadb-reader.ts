// The API's MariaDB CdrStore: MariaDbCdrStore with the "either party" page queries changed.
// "Either party is account A" is `caller_account_id = A OR callee_account_id = A` (and a number
// prefix on either party is the same OR over the number columns); MariaDB answers that with an
// index merge of the two indexes and then sorts every matching row before LIMIT, so a busy
// account's page costs as many rows as the account has (p99 in the hundreds of ms at 100k rows)
// and a common number prefix without a time range seconds (bench/cdr-api: 3 s at 1M rows).
// Here the page is a UNION ALL of two branches, each on one column, so the optimizer picks per
// branch: for an account, an ordered scan of its index
// (account, start_time, then the primary key id, which InnoDB appends) stopped after limit + 1
// rows; for a number, the number index for a rare prefix or the time index for a common one.
// An outer sort merges at most 2 × (limit + 1) rows. The second branch leaves out rows the first
// one has (calls from A to A), so no row comes twice. The cursor and the other filters apply
// inside both branches (whereClause: fixed columns, '?' only).
import type { Pool } from 'mariadb';
import {
  CDR_COLUMNS, CdrStoreUnavailableError, decodeCursor, encodeCursor, isUnavailable, likePrefix, MariaDbCdrStore,
  normalizeFilter, normalizePage, rowToCdr, whereClause, type CdrFilter, type CdrPage, type CdrQueryOptions,
  type MariaDbCdrStoreOptions, type NormalizedFilter, type SqlPart,
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

  /** The two branches of an "either party" filter, or null when the filter has none. */
  private static branches(f: NormalizedFilter): { rest: NormalizedFilter; a: SqlPart; b: SqlPart } | null {
    if (f.accountId !== null) {
      const id = f.accountId;
      return {
        rest: { ...f, accountId: null },
        a: { sql: 'caller_account_id = ?', params: [id] },
        // Calls from A to A are in branch a only.
        b: { sql: 'callee_account_id = ? AND NOT (caller_account_id <=> ?)', params: [id, id] },
      };
    }
    if (f.numberPrefix !== null) {
      const like = likePrefix(f.numberPrefix);
      return {
        rest: { ...f, numberPrefix: null },
        a: { sql: 'caller_number LIKE ?', params: [like] },
        b: { sql: 'callee_number LIKE ? AND (caller_number IS NULL OR caller_number NOT LIKE ?)', params: [like, like] },
      };
    }
    return null;
  }

  /** The page SELECT: the UNION form for an account or either-party number filter, else the base store's. */
  override querySql(filter: CdrFilter, options?: CdrQueryOptions): { sql: string; params: Array<string | number> } {
    const split = MariaDbCdrReader.branches(normalizeFilter(filter));
    if (!split) return super.querySql(filter, options);
    const page = normalizePage(options);
    const after = options?.cursor ? { key: decodeCursor(options.cursor, page.sort), descending: page.descending } : undefined;
    const rest = whereClause(split.rest, after);
    const and = rest.sql ? ` AND ${rest.sql.replace(/^WHERE /, '')}` : '';
    const dir = page.descending ? 'DESC' : 'ASC';
    const order = `ORDER BY start_time ${dir}, id ${dir} LIMIT ?`;
    const n = page.limit + 1;
    const t = this.tableName;
    // Branches select only (id, start_time): the union stays a small in-memory temporary table
    // (full rows hold JSON/TEXT, which would put it on disk), and an account-only page is read
    // from the index alone; the page's rows are then fetched by primary key.
    const sql = `SELECT ${QUALIFIED} FROM (`
      + `(SELECT id, start_time FROM ${t} WHERE ${split.a.sql}${and} ${order})`
      + ' UNION ALL '
      + `(SELECT id, start_time FROM ${t} WHERE ${split.b.sql}${and} ${order})`
      + `) AS page JOIN ${t} AS c ON c.id = page.id ORDER BY page.start_time ${dir}, page.id ${dir} LIMIT ?`;
    return { sql, params: [...split.a.params, ...rest.params, n, ...split.b.params, ...rest.params, n, n] };
  }

  override async query(filter: CdrFilter, options?: CdrQueryOptions): Promise<CdrPage> {
    if (!MariaDbCdrReader.branches(normalizeFilter(filter))) return super.query(filter, options);
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

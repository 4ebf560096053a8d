// MariaDbCdrStore: the default CdrStore, on the cdrs table of db/migrations/0003_cdrs.sql.
// Parameterised SQL only; the WHERE clause comes from whereClause() (fixed columns, '?').
import type { Pool, PoolConnection } from 'mariadb';
import { decodeCursor, encodeCursor } from '../cursor';
import { CdrStoreUnavailableError, CdrValidationError } from '../errors';
import { normalizeFilter, normalizePage, normalizeSort } from '../filter';
import { sortStatsRows, statsRow } from '../stats';
import {
  CdrExportOptions, CdrFilter, CdrGroupBy, CdrPage, CdrQueryOptions, CdrRecord, CdrStatsRow, CdrStore,
} from '../types';
import { UUID_RE, validateCdr } from '../validate';
import { CDR_COLUMNS, cdrToParams, rowToCdr } from './row';
import { whereClause } from './where';

export interface MariaDbCdrStoreOptions {
  /** Table name (default 'cdrs'); tests use a copy made with CREATE TABLE ... LIKE cdrs. */
  table?: string;
  /** Close the pool in close() (default false: the pool belongs to the caller). */
  ownsPool?: boolean;
}

const TABLE_RE = /^[a-z_][a-z0-9_]{0,63}$/;
const SELECT_LIST = CDR_COLUMNS.join(', ');
/** Per-query driver options: times as strings (see row.ts), numbers as numbers. */
const READ = { dateStrings: true, bigIntAsNumber: true, decimalAsNumber: true } as const;

/** Driver codes and SQL states that mean "the server is not reachable now" (worth a retry). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND',
  'ER_GET_CONNECTION_TIMEOUT', 'ER_CONNECTION_TIMEOUT', 'ER_SOCKET_UNEXPECTED_CLOSE', 'ER_SOCKET_TIMEOUT',
  'ER_CMD_CONNECTION_CLOSED', 'ER_CONNECTION_ALREADY_CLOSED', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR',
  'ER_POOL_ALREADY_CLOSED', 'ER_CLOSING_POOL', 'ER_ADD_CONNECTION_CLOSED_POOL', 'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK',
]);

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; fatal?: unknown; sqlState?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.fatal === true) return true;
  if (typeof e.sqlState === 'string' && e.sqlState.startsWith('08')) return true;
  return typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code);
}

function mapError(err: unknown, what: string): Error {
  if (err instanceof CdrValidationError || err instanceof CdrStoreUnavailableError) return err;
  if (isUnavailable(err)) return new CdrStoreUnavailableError(`mariadb ${what}: ${(err as Error).message.split('\n')[0]}`, err);
  return err instanceof Error ? err : new Error(String(err));
}

export class MariaDbCdrStore implements CdrStore {
  readonly kind = 'mariadb';
  private readonly table: string;
  private closed = false;

  constructor(private readonly pool: Pool, private readonly options: MariaDbCdrStoreOptions = {}) {
    const table = options.table ?? 'cdrs';
    if (!TABLE_RE.test(table)) throw new CdrValidationError(`table name '${table}' must match ${TABLE_RE}`);
    this.table = table;
  }

  async insert(cdr: CdrRecord): Promise<void> {
    const rec = validateCdr(cdr);
    const placeholders = CDR_COLUMNS.map(() => '?').join(', ');
    // A duplicate id leaves the stored row untouched: the first write wins, a retry is a no-op.
    const sql = `INSERT INTO ${this.table} (${SELECT_LIST}) VALUES (${placeholders}) ON DUPLICATE KEY UPDATE id = id`;
    try {
      await this.pool.query(sql, cdrToParams(rec));
    } catch (err) {
      throw mapError(err, 'insert');
    }
  }

  async get(id: string): Promise<CdrRecord | null> {
    if (typeof id !== 'string' || !UUID_RE.test(id.toLowerCase())) return null;
    try {
      const rows = await this.pool.query<Array<Record<string, unknown>>>(
        { sql: `SELECT ${SELECT_LIST} FROM ${this.table} WHERE id = ?`, ...READ }, [id.toLowerCase()]);
      return rows.length ? rowToCdr(rows[0]) : null;
    } catch (err) {
      throw mapError(err, 'get');
    }
  }

  /** The SELECT of a page (exported for the EXPLAIN test). */
  querySql(filter: CdrFilter, options?: CdrQueryOptions): { sql: string; params: Array<string | number> } {
    const f = normalizeFilter(filter);
    const page = normalizePage(options);
    const after = options?.cursor ? { key: decodeCursor(options.cursor, page.sort), descending: page.descending } : undefined;
    const where = whereClause(f, after);
    const dir = page.descending ? 'DESC' : 'ASC';
    return {
      sql: `SELECT ${SELECT_LIST} FROM ${this.table} ${where.sql} ORDER BY start_time ${dir}, id ${dir} LIMIT ?`,
      params: [...where.params, page.limit + 1],
    };
  }

  async query(filter: CdrFilter, options?: CdrQueryOptions): Promise<CdrPage> {
    const { sql, params } = this.querySql(filter, options);
    const page = normalizePage(options);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await this.pool.query<Array<Record<string, unknown>>>({ sql, ...READ }, params);
    } catch (err) {
      throw mapError(err, 'query');
    }
    const items = rows.slice(0, page.limit).map(rowToCdr);
    const last = items[items.length - 1];
    const nextCursor = rows.length > page.limit && last
      ? encodeCursor({ t: last.startTime.getTime(), id: last.id }, page.sort) : null;
    return { items, nextCursor };
  }

  async stats(filter: CdrFilter, groupBy: CdrGroupBy): Promise<CdrStatsRow[]> {
    const where = whereClause(normalizeFilter(filter));
    const keyExpr: Record<Exclude<CdrGroupBy, null>, string> = {
      day: "DATE_FORMAT(start_time, '%Y-%m-%d')",
      hour: "DATE_FORMAT(start_time, '%Y-%m-%dT%H')",
      account: 'COALESCE(caller_account_id, callee_account_id)',
      trunk: 'trunk_id',
    };
    if (groupBy !== null && !(groupBy in keyExpr)) throw new CdrValidationError("groupBy must be 'day', 'hour', 'account', 'trunk' or null");
    const key = groupBy === null ? 'NULL' : keyExpr[groupBy];
    const sql = `SELECT ${key} AS k, COUNT(*) AS calls, COALESCE(SUM(disposition = 'answered'), 0) AS answered, `
      + `COALESCE(SUM(talk_ms), 0) AS talk FROM ${this.table} ${where.sql}${groupBy === null ? '' : ' GROUP BY k'}`;
    let rows: Array<{ k: unknown; calls: unknown; answered: unknown; talk: unknown }>;
    try {
      rows = await this.pool.query({ sql, ...READ }, where.params);
    } catch (err) {
      throw mapError(err, 'stats');
    }
    return sortStatsRows(rows.map((r) => statsRow(r.k === null ? null : String(r.k), Number(r.calls),
      Number(r.answered), Number(r.talk))), groupBy);
  }

  exportStream(filter: CdrFilter, options?: CdrExportOptions): AsyncIterable<CdrRecord> {
    // Checked now, so a bad filter fails at the call rather than at the first iteration.
    const where = whereClause(normalizeFilter(filter));
    const dir = normalizeSort(options?.sort, 'startTime') === 'startTime' ? 'ASC' : 'DESC';
    const sql = `SELECT ${SELECT_LIST} FROM ${this.table} ${where.sql} ORDER BY start_time ${dir}, id ${dir}`;
    const pool = this.pool;
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<CdrRecord> {
        let conn: PoolConnection;
        try {
          conn = await pool.getConnection();
        } catch (err) {
          throw mapError(err, 'export');
        }
        let finished = false;
        const stream = conn.queryStream({ sql, ...READ }, where.params);
        try {
          for await (const row of stream) yield rowToCdr(row as Record<string, unknown>);
          finished = true;
        } catch (err) {
          throw mapError(err, 'export');
        } finally {
          if (finished) {
            await conn.release();
          } else {
            // Stopped early: the rest of the result set is still on the wire; drop the connection.
            stream.destroy();
            await conn.destroy();
          }
        }
      },
    };
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query(`SELECT 1 FROM ${this.table} LIMIT 0`);
    } catch (err) {
      const mapped = mapError(err, 'ping');
      throw mapped instanceof CdrStoreUnavailableError ? mapped : new CdrStoreUnavailableError(`mariadb ping: ${mapped.message}`, err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.options.ownsPool) await this.pool.end();
  }
}

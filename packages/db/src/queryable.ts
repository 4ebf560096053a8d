// The one method repositories need from a pool or a connection.
export interface Queryable {
  query<T = unknown>(sql: string, values?: unknown[]): Promise<T>;
}

export interface WriteResult {
  affectedRows: number;
  insertId: number | bigint;
}

/** BIGINT and COUNT(*) can arrive as BigInt; ids here stay far below 2^53. */
export function num(v: number | bigint | string | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

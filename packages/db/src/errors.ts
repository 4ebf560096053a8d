// Typed data-layer errors, so callers (CLI, API) map them to messages and status codes.
export type DataErrorKind = 'invalid' | 'duplicate' | 'not-found' | 'in-use';

export class DataError extends Error {
  constructor(readonly kind: DataErrorKind, message: string) {
    super(message);
    this.name = 'DataError';
  }
}

export const invalid = (msg: string): DataError => new DataError('invalid', msg);
export const duplicate = (msg: string): DataError => new DataError('duplicate', msg);
export const notFound = (msg: string): DataError => new DataError('not-found', msg);
export const inUse = (msg: string): DataError => new DataError('in-use', msg);

interface SqlLikeError { errno?: number; code?: string }

/** MariaDB error numbers the repositories translate. */
export const ER_DUP_ENTRY = 1062;
export const ER_ROW_IS_REFERENCED = 1451;
export const ER_NO_REFERENCED_ROW = 1452;

export function sqlErrno(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as SqlLikeError).errno : undefined;
}

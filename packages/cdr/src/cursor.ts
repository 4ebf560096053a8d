// Keyset cursors: the (startTime, id) of the last row of a page, with the sort it belongs to, as
// an opaque base64url string. The next page is everything strictly after that key, so rows
// inserted meanwhile never shift the pages (no duplicate, no gap) as OFFSET would.
import { CdrValidationError } from './errors';
import { CdrSort } from './types';
import { UUID_RE } from './validate';

export interface CursorKey {
  /** startTime of the last row, epoch ms. */
  t: number;
  /** id of the last row. */
  id: string;
}

export function encodeCursor(key: CursorKey, sort: CdrSort): string {
  return Buffer.from(JSON.stringify({ v: 1, s: sort, t: key.t, id: key.id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, sort: CdrSort): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CdrValidationError('cursor is not one this API returned');
  }
  const c = parsed as { v?: unknown; s?: unknown; t?: unknown; id?: unknown } | null;
  if (typeof c !== 'object' || c === null || c.v !== 1 || typeof c.t !== 'number' || !Number.isInteger(c.t)
    || typeof c.id !== 'string' || !UUID_RE.test(c.id)) {
    throw new CdrValidationError('cursor is not one this API returned');
  }
  if (c.s !== sort) throw new CdrValidationError(`cursor belongs to sort '${String(c.s)}', not '${sort}'`);
  return { t: c.t, id: c.id };
}

// Filter and page options checked once, in one normalised shape both stores translate.
import { CdrValidationError } from './errors';
import {
  CDR_DIRECTIONS, CDR_DISPOSITIONS, CdrDirection, CdrDisposition, CdrFilter, CdrQueryOptions, CdrSort,
} from './types';

export interface NormalizedFilter {
  from: Date | null;
  to: Date | null;
  accountId: number | null;
  numberPrefix: string | null;
  callerNumberPrefix: string | null;
  calleeNumberPrefix: string | null;
  directions: CdrDirection[] | null;
  dispositions: CdrDisposition[] | null;
  trunkId: number | null;
  minTalkMs: number | null;
  sipStatuses: number[] | null;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
const PREFIX_RE = /^\+?[0-9]{1,20}$/;
const FILTER_KEYS = new Set<string>([
  'from', 'to', 'accountId', 'numberPrefix', 'callerNumberPrefix', 'calleeNumberPrefix', 'direction',
  'disposition', 'trunkId', 'minTalkMs', 'sipStatus',
]);

function bad(field: string, why: string): never {
  throw new CdrValidationError(`filter.${field} ${why}`);
}

function optDate(v: Date | undefined, field: string): Date | null {
  if (v === undefined) return null;
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) bad(field, 'must be a valid Date');
  return v;
}

function optInt(v: number | undefined, field: string, min: number, max: number): number | null {
  if (v === undefined) return null;
  if (!Number.isInteger(v) || v < min || v > max) bad(field, `must be an integer ${min}..${max}`);
  return v;
}

/** A number prefix is stored E.164 with '+'; a prefix without '+' is taken as if it had one. */
function optPrefix(v: string | undefined, field: string): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'string' || !PREFIX_RE.test(v)) bad(field, "must be '+' and/or 1..20 digits");
  return v.startsWith('+') ? v : `+${v}`;
}

function optList<T extends string | number>(v: T | readonly T[] | undefined, field: string, ok: (x: unknown) => boolean): T[] | null {
  if (v === undefined) return null;
  const list = (Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);
  if (list.length === 0) bad(field, 'must not be an empty list');
  for (const x of list) if (!ok(x)) bad(field, `has an invalid value '${String(x)}'`);
  return [...new Set(list)];
}

export function normalizeFilter(filter: CdrFilter): NormalizedFilter {
  if (typeof filter !== 'object' || filter === null) bad('(filter)', 'must be an object');
  for (const k of Object.keys(filter)) {
    if (!FILTER_KEYS.has(k)) bad(k, 'is not a known filter');
  }
  const f: NormalizedFilter = {
    from: optDate(filter.from, 'from'),
    to: optDate(filter.to, 'to'),
    accountId: optInt(filter.accountId, 'accountId', 1, Number.MAX_SAFE_INTEGER),
    numberPrefix: optPrefix(filter.numberPrefix, 'numberPrefix'),
    callerNumberPrefix: optPrefix(filter.callerNumberPrefix, 'callerNumberPrefix'),
    calleeNumberPrefix: optPrefix(filter.calleeNumberPrefix, 'calleeNumberPrefix'),
    directions: optList(filter.direction, 'direction', (x) => (CDR_DIRECTIONS as readonly unknown[]).includes(x)),
    dispositions: optList(filter.disposition, 'disposition', (x) => (CDR_DISPOSITIONS as readonly unknown[]).includes(x)),
    trunkId: optInt(filter.trunkId, 'trunkId', 1, 4_294_967_295),
    minTalkMs: optInt(filter.minTalkMs, 'minTalkMs', 0, 4_294_967_295),
    sipStatuses: optList(filter.sipStatus, 'sipStatus', (x) => Number.isInteger(x) && (x as number) >= 100 && (x as number) <= 699),
  };
  return f;
}

export interface NormalizedPage {
  descending: boolean;
  limit: number;
  sort: CdrSort;
}

export function normalizeSort(sort: CdrSort | undefined, fallback: CdrSort): CdrSort {
  const s = sort ?? fallback;
  if (s !== 'startTime' && s !== '-startTime') throw new CdrValidationError("sort must be 'startTime' or '-startTime'");
  return s;
}

export function normalizePage(options: CdrQueryOptions | undefined): NormalizedPage {
  const sort = normalizeSort(options?.sort, '-startTime');
  const limit = options?.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new CdrValidationError(`limit must be an integer 1..${MAX_LIMIT}`);
  }
  return { sort, descending: sort === '-startTime', limit };
}

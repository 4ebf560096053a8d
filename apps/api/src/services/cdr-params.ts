// Query parameters of the CDR routes (zod, so the OpenAPI document shows them) → CdrFilter, and
// the page cursor: the store's keyset cursor bound to the filter and sort it was made for, so a
// cursor replayed with another filter is a 400 instead of a silently wrong page.
import { createHash } from 'node:crypto';
import { z } from 'zod/v4';
import {
  CDR_DIRECTIONS, CDR_DISPOSITIONS, CdrStoreUnavailableError, CdrValidationError, type CdrDirection,
  type CdrDisposition, type CdrFilter, type CdrSort, MAX_LIMIT, normalizeFilter,
} from '@openline/cdr';
import { ApiError, badRequest } from '../errors';

type Raw = string | string[];
const raw = z.union([z.string(), z.array(z.string())]);

function split(v: Raw): string[] {
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

/** A comma-separated (or repeated) list of allowed words. */
function wordList<T extends string>(allowed: readonly T[]) {
  return raw.transform((v, ctx): T[] => {
    const items = split(v);
    if (items.length === 0) { ctx.addIssue({ code: 'custom', message: 'must not be empty' }); return z.NEVER; }
    for (const x of items) {
      if (!(allowed as readonly string[]).includes(x)) {
        ctx.addIssue({ code: 'custom', message: `has an invalid value '${x}' (one of ${allowed.join(', ')})` });
        return z.NEVER;
      }
    }
    return items as T[];
  }).describe(`comma-separated list of ${allowed.join(', ')}`);
}

const statusList = raw.transform((v, ctx): number[] => {
  const items = split(v);
  if (items.length === 0 || items.some((x) => !/^[1-6][0-9]{2}$/.test(x))) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of SIP status codes 100..699' });
    return z.NEVER;
  }
  return items.map(Number);
}).describe('comma-separated list of final SIP status codes, e.g. 486,600');

/** E.164 prefix; '+' may arrive as a space when the client did not encode it (%2B). */
const prefix = z.string().regex(/^[+ ]?[0-9]{1,20}$/, "must be a number prefix: '+' and 1..20 digits, e.g. +4930")
  .transform((p) => `+${p.replace(/^[+ ]/, '')}`);

const time = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => new Date(s));
const positiveInt = z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer').transform(Number);

/** The filter parameters shared by the list, stats and export routes. */
export const filterShape = {
  from: time.optional().describe('start time ≥ this: ISO 8601 date (UTC midnight) or date-time with Z or an offset'),
  to: time.optional().describe('start time < this'),
  accountId: positiveInt.optional().describe('either party is this account'),
  number: prefix.optional().describe('either party\'s E.164 number starts with this prefix (send + as %2B)'),
  callerNumber: prefix.optional().describe('the caller\'s number starts with this prefix'),
  calleeNumber: prefix.optional().describe('the callee\'s number starts with this prefix'),
  direction: wordList<CdrDirection>(CDR_DIRECTIONS).optional(),
  disposition: wordList<CdrDisposition>(CDR_DISPOSITIONS).optional(),
  trunkId: positiveInt.optional().describe('trunks.id'),
  minDuration: z.string().regex(/^[0-9]{1,7}$/, 'must be a whole number of seconds').transform(Number).optional()
    .describe('talk time of at least this many seconds'),
  sipStatus: statusList.optional(),
};

export type FilterParams = {
  from?: Date; to?: Date; accountId?: number; number?: string; callerNumber?: string; calleeNumber?: string;
  direction?: CdrDirection[]; disposition?: CdrDisposition[]; trunkId?: number; minDuration?: number; sipStatus?: number[];
};

/** from must come before to (checked on the object, reported on `to`). */
export function checkRange(o: { from?: Date; to?: Date }, ctx: z.RefinementCtx): void {
  if (o.from && o.to && o.from.getTime() >= o.to.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
}

export const sortParam = z.enum(['startTime', '-startTime']);
export const limitParam = (max: number, dflt: number) => z.string().regex(/^[0-9]{1,4}$/, `must be an integer 1..${max}`)
  .transform(Number).refine((n) => n >= 1 && n <= max, `must be an integer 1..${max}`).optional().describe(`page size, default ${dflt}`);
export const cursorParam = z.string().max(512).optional().describe('nextCursor of the previous page (same filter and sort)');

export const listQuery = z.object({
  ...filterShape,
  sort: sortParam.optional().describe('startTime (oldest first) or -startTime (newest first, the default)'),
  cursor: cursorParam,
  limit: limitParam(MAX_LIMIT, 100),
}).strict().superRefine(checkRange);

export function toCdrFilter(p: FilterParams): CdrFilter {
  const f: CdrFilter = {};
  if (p.from) f.from = p.from;
  if (p.to) f.to = p.to;
  if (p.accountId !== undefined) f.accountId = p.accountId;
  if (p.number !== undefined) f.numberPrefix = p.number;
  if (p.callerNumber !== undefined) f.callerNumberPrefix = p.callerNumber;
  if (p.calleeNumber !== undefined) f.calleeNumberPrefix = p.calleeNumber;
  if (p.direction) f.direction = p.direction;
  if (p.disposition) f.disposition = p.disposition;
  if (p.trunkId !== undefined) f.trunkId = p.trunkId;
  if (p.minDuration !== undefined) f.minTalkMs = p.minDuration * 1000;
  if (p.sipStatus) f.sipStatus = p.sipStatus;
  return f;
}

/** 8 bytes of a hash of the normalised filter and sort: what a cursor belongs to. */
function filterTag(filter: CdrFilter, sort: CdrSort, scope: string): string {
  const n = normalizeFilter(filter);
  return createHash('sha256').update(JSON.stringify([scope, sort, n])).digest('base64url').slice(0, 11);
}

/** The API's cursor: "<store cursor>.<filter tag>". */
export function wrapCursor(storeCursor: string | null, filter: CdrFilter, sort: CdrSort, scope = 'cdrs'): string | null {
  return storeCursor === null ? null : `${storeCursor}.${filterTag(filter, sort, scope)}`;
}

export function unwrapCursor(cursor: string | undefined, filter: CdrFilter, sort: CdrSort, scope = 'cdrs'): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const dot = cursor.lastIndexOf('.');
  if (dot <= 0) throw badRequest('cursor', 'cursor: not one this API returned');
  if (cursor.slice(dot + 1) !== filterTag(filter, sort, scope)) {
    throw badRequest('cursor', 'cursor: belongs to another filter or sort; page with the parameters that returned it');
  }
  return cursor.slice(0, dot);
}

const FIELD_OF: Record<string, string> = {
  numberPrefix: 'number', callerNumberPrefix: 'callerNumber', calleeNumberPrefix: 'calleeNumber', minTalkMs: 'minDuration',
};

/** Store errors → API errors: bad input 400 (naming the field when the store does), outage 503. */
export function cdrStoreError(err: unknown): unknown {
  if (err instanceof CdrValidationError) {
    const m = /^(?:filter\.)?([A-Za-z]+)\b/.exec(err.message);
    const raw = m ? m[1] : 'query';
    const field = FIELD_OF[raw] ?? raw;
    return badRequest(field, err.message);
  }
  if (err instanceof CdrStoreUnavailableError) return new ApiError(503, 'cdr_store_unavailable', 'the CDR store does not answer; retry later', undefined, 5);
  return err;
}

/** Runs a store call with its errors mapped. */
export async function withStore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw cdrStoreError(err);
  }
}

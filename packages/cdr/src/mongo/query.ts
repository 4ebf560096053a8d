// Filter → MongoDB match documents, sort and aggregation pipelines (pure, unit-tested without a
// server). Documents are CdrRecord with _id = id; number prefixes become anchored regexes, which
// use the number indexes as ranges.
import type { Document } from 'mongodb';
import { CursorKey } from '../cursor';
import { NormalizedFilter } from '../filter';
import { CdrGroupBy } from '../types';

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function prefixRegex(prefix: string): RegExp {
  return new RegExp(`^${escapeRegex(prefix)}`);
}

function inOrEq<T>(values: readonly T[]): T | { $in: T[] } {
  return values.length === 1 ? values[0] : { $in: [...values] };
}

export function mongoMatch(f: NormalizedFilter, after?: { key: CursorKey; descending: boolean }): Document {
  const and: Document[] = [];
  const m: Document = {};
  if (f.from || f.to) {
    const range: Document = {};
    if (f.from) range.$gte = f.from;
    if (f.to) range.$lt = f.to;
    m.startTime = range;
  }
  if (f.accountId !== null) and.push({ $or: [{ 'caller.accountId': f.accountId }, { 'callee.accountId': f.accountId }] });
  if (f.numberPrefix !== null) {
    and.push({ $or: [{ 'caller.number': prefixRegex(f.numberPrefix) }, { 'callee.number': prefixRegex(f.numberPrefix) }] });
  }
  if (f.callerNumberPrefix !== null) m['caller.number'] = prefixRegex(f.callerNumberPrefix);
  if (f.calleeNumberPrefix !== null) m['callee.number'] = prefixRegex(f.calleeNumberPrefix);
  if (f.directions) m.direction = inOrEq(f.directions);
  if (f.dispositions) m.disposition = inOrEq(f.dispositions);
  if (f.trunkId !== null) m.trunkId = f.trunkId;
  if (f.minTalkMs !== null) m.talkMs = { $gte: f.minTalkMs };
  if (f.sipStatuses) m.sipStatus = inOrEq(f.sipStatuses);
  if (after) {
    const t = new Date(after.key.t);
    const op = after.descending ? '$lt' : '$gt';
    and.push({ $or: [{ startTime: { [op]: t } }, { startTime: t, _id: { [op]: after.key.id } }] });
  }
  if (and.length) m.$and = and;
  return m;
}

export function mongoSort(descending: boolean): { startTime: 1 | -1; _id: 1 | -1 } {
  const d = descending ? -1 : 1;
  return { startTime: d, _id: d };
}

/** The $group key expression of a grouping (null: one group over everything). */
export function groupKey(groupBy: CdrGroupBy): unknown {
  switch (groupBy) {
    case 'day': return { $dateToString: { format: '%Y-%m-%d', date: '$startTime', timezone: 'UTC' } };
    case 'hour': return { $dateToString: { format: '%Y-%m-%dT%H', date: '$startTime', timezone: 'UTC' } };
    case 'account': return { $ifNull: ['$caller.accountId', '$callee.accountId'] };
    case 'trunk': return '$trunkId';
    default: return null;
  }
}

/** calls, answered and the talk-time sum per group; ratios are derived in JS (stats.ts). */
export function statsPipeline(f: NormalizedFilter, groupBy: CdrGroupBy): Document[] {
  return [
    { $match: mongoMatch(f) },
    {
      $group: {
        _id: groupKey(groupBy),
        calls: { $sum: 1 },
        answered: { $sum: { $cond: [{ $eq: ['$disposition', 'answered'] }, 1, 0] } },
        talk: { $sum: '$talkMs' },
      },
    },
  ];
}

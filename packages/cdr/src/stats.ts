// Stats rows from the integer sums a backend computes: the ratios are derived here, once, so
// both stores give the same floating-point results.
import { CdrGroupBy, CdrStatsRow } from './types';

export function statsRow(key: string | null, calls: number, answered: number, totalTalkMs: number): CdrStatsRow {
  return {
    key,
    calls,
    answered,
    asr: calls === 0 ? 0 : answered / calls,
    acdMs: answered === 0 ? 0 : totalTalkMs / answered,
    totalTalkMs,
    totalMinutes: totalTalkMs / 60000,
  };
}

/** UTC bucket key of a time: '2026-11-22' (day) or '2026-11-22T07' (hour). */
export function timeBucket(t: Date, groupBy: 'day' | 'hour'): string {
  const iso = t.toISOString();
  return groupBy === 'day' ? iso.slice(0, 10) : iso.slice(0, 13);
}

/** Key order of stats rows: null first, then numerically (account, trunk) or as strings (day, hour). */
export function sortStatsRows(rows: CdrStatsRow[], groupBy: CdrGroupBy): CdrStatsRow[] {
  const numeric = groupBy === 'account' || groupBy === 'trunk';
  return rows.sort((a, b) => {
    if (a.key === b.key) return 0;
    if (a.key === null) return -1;
    if (b.key === null) return 1;
    if (numeric) return Number(a.key) - Number(b.key);
    return a.key < b.key ? -1 : 1;
  });
}

export const GROUP_BYS: readonly CdrGroupBy[] = ['day', 'hour', 'account', 'trunk', null];

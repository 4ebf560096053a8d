// MemoryCdrStore: a CdrStore in process memory, for unit tests of the code that writes or reads
// CDRs (it passes the same conformance suite). `down` makes every call fail as unavailable.
import { decodeCursor, encodeCursor } from './cursor';
import { CdrStoreUnavailableError, CdrValidationError } from './errors';
import { NormalizedFilter, normalizeFilter, normalizePage, normalizeSort } from './filter';
import { GROUP_BYS, sortStatsRows, statsRow, timeBucket } from './stats';
import {
  CdrExportOptions, CdrFilter, CdrGroupBy, CdrPage, CdrQueryOptions, CdrRecord, CdrStatsRow, CdrStore,
} from './types';
import { validateCdr } from './validate';

export function cdrMatches(c: CdrRecord, f: NormalizedFilter): boolean {
  const t = c.startTime.getTime();
  const starts = (n: string | null, p: string): boolean => n !== null && n.startsWith(p);
  return (f.from === null || t >= f.from.getTime())
    && (f.to === null || t < f.to.getTime())
    && (f.accountId === null || c.caller.accountId === f.accountId || c.callee.accountId === f.accountId)
    && (f.numberPrefix === null || starts(c.caller.number, f.numberPrefix) || starts(c.callee.number, f.numberPrefix))
    && (f.callerNumberPrefix === null || starts(c.caller.number, f.callerNumberPrefix))
    && (f.calleeNumberPrefix === null || starts(c.callee.number, f.calleeNumberPrefix))
    && (f.directions === null || f.directions.includes(c.direction))
    && (f.dispositions === null || f.dispositions.includes(c.disposition))
    && (f.trunkId === null || c.trunkId === f.trunkId)
    && (f.minTalkMs === null || c.talkMs >= f.minTalkMs)
    && (f.sipStatuses === null || f.sipStatuses.includes(c.sipStatus));
}

/** (startTime, id) order, the keyset of every store. */
export function compareCdrKeys(a: { startTime: Date; id: string }, b: { startTime: Date; id: string }): number {
  const d = a.startTime.getTime() - b.startTime.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function copy(c: CdrRecord): CdrRecord {
  return validateCdr(c);
}

export class MemoryCdrStore implements CdrStore {
  readonly kind = 'memory';
  private readonly rows = new Map<string, CdrRecord>();
  /** When true every method rejects with CdrStoreUnavailableError (outage simulation). */
  down = false;

  private check(): void {
    if (this.down) throw new CdrStoreUnavailableError('memory store is down');
  }

  async insert(cdr: CdrRecord): Promise<void> {
    const rec = validateCdr(cdr);
    this.check();
    if (!this.rows.has(rec.id)) this.rows.set(rec.id, rec);
  }

  async get(id: string): Promise<CdrRecord | null> {
    this.check();
    const c = typeof id === 'string' ? this.rows.get(id.toLowerCase()) : undefined;
    return c ? copy(c) : null;
  }

  private sorted(f: NormalizedFilter, descending: boolean): CdrRecord[] {
    const out = [...this.rows.values()].filter((c) => cdrMatches(c, f)).sort(compareCdrKeys);
    return descending ? out.reverse() : out;
  }

  async query(filter: CdrFilter, options?: CdrQueryOptions): Promise<CdrPage> {
    const f = normalizeFilter(filter);
    const page = normalizePage(options);
    const key = options?.cursor ? decodeCursor(options.cursor, page.sort) : null;
    this.check();
    const after = key ? { startTime: new Date(key.t), id: key.id } : null;
    const rows = this.sorted(f, page.descending)
      .filter((c) => after === null || (page.descending ? compareCdrKeys(c, after) < 0 : compareCdrKeys(c, after) > 0));
    const items = rows.slice(0, page.limit).map(copy);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > page.limit && last ? encodeCursor({ t: last.startTime.getTime(), id: last.id }, page.sort) : null,
    };
  }

  async stats(filter: CdrFilter, groupBy: CdrGroupBy): Promise<CdrStatsRow[]> {
    if (!GROUP_BYS.includes(groupBy)) throw new CdrValidationError("groupBy must be 'day', 'hour', 'account', 'trunk' or null");
    const f = normalizeFilter(filter);
    this.check();
    const groups = new Map<string | null, { calls: number; answered: number; talk: number }>();
    if (groupBy === null) groups.set(null, { calls: 0, answered: 0, talk: 0 });
    for (const c of this.sorted(f, false)) {
      let key: string | null;
      if (groupBy === 'day' || groupBy === 'hour') key = timeBucket(c.startTime, groupBy);
      else if (groupBy === 'account') key = (c.caller.accountId ?? c.callee.accountId)?.toString() ?? null;
      else if (groupBy === 'trunk') key = c.trunkId?.toString() ?? null;
      else key = null;
      const g = groups.get(key) ?? { calls: 0, answered: 0, talk: 0 };
      g.calls++;
      if (c.disposition === 'answered') g.answered++;
      g.talk += c.talkMs;
      groups.set(key, g);
    }
    return sortStatsRows([...groups].map(([k, g]) => statsRow(k, g.calls, g.answered, g.talk)), groupBy);
  }

  exportStream(filter: CdrFilter, options?: CdrExportOptions): AsyncIterable<CdrRecord> {
    const f = normalizeFilter(filter);
    const descending = normalizeSort(options?.sort, 'startTime') === '-startTime';
    return {
      [Symbol.asyncIterator]: async function* (this: MemoryCdrStore): AsyncGenerator<CdrRecord> {
        this.check();
        for (const c of this.sorted(f, descending)) yield copy(c);
      }.bind(this),
    };
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.rows.clear();
  }
}

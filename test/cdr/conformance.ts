// The CdrStore conformance suite: one set of specs every implementation must pass. A suite file
// per backend calls cdrStoreConformance() with a harness that makes a fresh, empty store.
// Expected results are computed here from the inserted records, independently of the stores.
import * as assert from 'node:assert/strict';
import {
  CdrFilter, CdrGroupBy, CdrPage, CdrRecord, CdrSort, CdrStore, CdrStoreUnavailableError, CdrValidationError,
} from '@openline/cdr';
import { byKey, genCdrs, insertAll } from './support';

export interface StoreHarness {
  /** Shown in the describe title. */
  name: string;
  /** A fresh, empty store of its own (own table/collection). */
  create(): Promise<CdrStore>;
  /** Removes what create() made and closes the store. */
  destroy(store: CdrStore): Promise<void>;
}

const BASE = new Date('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
const N = 700;

interface Case { name: string; filter: CdrFilter; match(c: CdrRecord): boolean }

function cases(all: readonly CdrRecord[]): Case[] {
  const someStart = all[Math.floor(all.length / 3)].startTime;
  const from = new Date(BASE.getTime() + DAY / 2);
  const to = new Date(BASE.getTime() + DAY + 7 * 3_600_000);
  const starts = (n: string | null, p: string): boolean => n !== null && n.startsWith(p);
  return [
    { name: 'no filter', filter: {}, match: () => true },
    { name: 'time range [from, to)', filter: { from, to }, match: (c) => c.startTime >= from && c.startTime < to },
    { name: 'from is inclusive and to exclusive at an exact start time', filter: { from: someStart, to: new Date(someStart.getTime() + 10_000) },
      match: (c) => c.startTime.getTime() >= someStart.getTime() && c.startTime.getTime() < someStart.getTime() + 10_000 },
    { name: 'account (caller or callee)', filter: { accountId: 3 }, match: (c) => c.caller.accountId === 3 || c.callee.accountId === 3 },
    { name: 'account + time range', filter: { accountId: 5, from, to },
      match: (c) => (c.caller.accountId === 5 || c.callee.accountId === 5) && c.startTime >= from && c.startTime < to },
    { name: 'number prefix (either party)', filter: { numberPrefix: '+4930' },
      match: (c) => starts(c.caller.number, '+4930') || starts(c.callee.number, '+4930') },
    { name: "number prefix without '+' means the same", filter: { numberPrefix: '1415' },
      match: (c) => starts(c.caller.number, '+1415') || starts(c.callee.number, '+1415') },
    { name: 'caller number prefix', filter: { callerNumberPrefix: '+49' }, match: (c) => starts(c.caller.number, '+49') },
    { name: 'callee number prefix', filter: { calleeNumberPrefix: '+33' }, match: (c) => starts(c.callee.number, '+33') },
    { name: 'direction', filter: { direction: 'inbound' }, match: (c) => c.direction === 'inbound' },
    { name: 'directions (list)', filter: { direction: ['inbound', 'outbound'] }, match: (c) => c.direction !== 'onnet' },
    { name: 'disposition', filter: { disposition: 'busy' }, match: (c) => c.disposition === 'busy' },
    { name: 'dispositions (list) + time range', filter: { disposition: ['no-answer', 'cancelled'], from, to },
      match: (c) => (c.disposition === 'no-answer' || c.disposition === 'cancelled') && c.startTime >= from && c.startTime < to },
    { name: 'trunk', filter: { trunkId: 2 }, match: (c) => c.trunkId === 2 },
    { name: 'trunk + time range', filter: { trunkId: 3, from }, match: (c) => c.trunkId === 3 && c.startTime >= from },
    { name: 'minimum talk duration', filter: { minTalkMs: 120_000 }, match: (c) => c.talkMs >= 120_000 },
    { name: 'SIP status', filter: { sipStatus: 486 }, match: (c) => c.sipStatus === 486 },
    { name: 'SIP statuses (list)', filter: { sipStatus: [404, 503] }, match: (c) => c.sipStatus === 404 || c.sipStatus === 503 },
    { name: 'everything at once', filter: { from, direction: ['outbound'], disposition: 'answered', minTalkMs: 1000, callerNumberPrefix: '+4', trunkId: 1 },
      match: (c) => c.startTime >= from && c.direction === 'outbound' && c.disposition === 'answered' && c.talkMs >= 1000
        && starts(c.caller.number, '+4') && c.trunkId === 1 },
    { name: 'a filter nothing matches', filter: { accountId: 999_999 }, match: () => false },
  ];
}

async function allPages(store: CdrStore, filter: CdrFilter, sort: CdrSort, limit: number): Promise<{ rows: CdrRecord[]; pages: number }> {
  const rows: CdrRecord[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await store.query(filter, { sort, cursor, limit });
    rows.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    assert.ok(pages < 10_000, 'pagination does not end');
  } while (cursor);
  return { rows, pages };
}

async function collect(it: AsyncIterable<CdrRecord>): Promise<CdrRecord[]> {
  const out: CdrRecord[] = [];
  for await (const c of it) out.push(c);
  return out;
}

function expectedStats(rows: readonly CdrRecord[], groupBy: CdrGroupBy): Array<Record<string, unknown>> {
  const keyOf = (c: CdrRecord): string | null => {
    switch (groupBy) {
      case 'day': return c.startTime.toISOString().slice(0, 10);
      case 'hour': return c.startTime.toISOString().slice(0, 13);
      case 'account': { const a = c.caller.accountId ?? c.callee.accountId; return a === null ? null : String(a); }
      case 'trunk': return c.trunkId === null ? null : String(c.trunkId);
      default: return null;
    }
  };
  const groups = new Map<string | null, { calls: number; answered: number; talk: number }>();
  if (groupBy === null) groups.set(null, { calls: 0, answered: 0, talk: 0 });
  for (const c of rows) {
    const k = keyOf(c);
    const g = groups.get(k) ?? { calls: 0, answered: 0, talk: 0 };
    g.calls++;
    g.answered += c.disposition === 'answered' ? 1 : 0;
    g.talk += c.talkMs;
    groups.set(k, g);
  }
  const numeric = groupBy === 'account' || groupBy === 'trunk';
  return [...groups.entries()]
    .sort(([a], [b]) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : numeric ? Number(a) - Number(b) : a < b ? -1 : 1))
    .map(([key, g]) => ({
      key, calls: g.calls, answered: g.answered, asr: g.calls ? g.answered / g.calls : 0,
      acdMs: g.answered ? g.talk / g.answered : 0, totalTalkMs: g.talk, totalMinutes: g.talk / 60000,
    }));
}

export function cdrStoreConformance(h: StoreHarness): void {
  describe(`CdrStore conformance: ${h.name}`, function () {
    this.timeout(60_000);
    let store: CdrStore;
    /** Everything inserted so far: the expected contents of the store. */
    let all: CdrRecord[] = [];

    before(async () => {
      store = await h.create();
      all = genCdrs(N, { base: BASE, spanMs: 3 * DAY, seed: 6 });
      await insertAll(store, all);
    });

    after(async () => {
      if (store) await h.destroy(store);
    });

    describe('insert and get', () => {
      it('get returns the inserted CDR, field by field (times to the millisecond)', async () => {
        for (const c of [all[0], all[1], ...all.filter((x) => x.media.aLeg !== null).slice(0, 3), ...all.filter((x) => x.transferKind).slice(0, 2)]) {
          assert.deepEqual(await store.get(c.id), c);
        }
      });

      it('get finds a CDR by its id in upper case too', async () => {
        assert.deepEqual(await store.get(all[2].id.toUpperCase()), all[2]);
      });

      it('get of an unknown or malformed id is null', async () => {
        assert.equal(await store.get('00000000-0000-4000-8000-000000000000'), null);
        assert.equal(await store.get("x' OR '1'='1"), null);
      });

      it('inserting an existing id again is a no-op: one row, the first write wins', async () => {
        const first = all[5];
        await store.insert({ ...first, sipReason: 'changed', tags: { retry: 'yes' } });
        await store.insert(first);
        assert.deepEqual(await store.get(first.id), first);
        const [total] = await store.stats({}, null);
        assert.equal(total.calls, all.length);
      });

      it('concurrent inserts of one id leave exactly one row', async () => {
        const [extra] = genCdrs(1, { base: BASE, spanMs: DAY, seed: 66 });
        await Promise.all(Array.from({ length: 8 }, () => store.insert(extra)));
        all.push(extra);
        const page = await store.query({ from: extra.startTime, to: new Date(extra.startTime.getTime() + 1) }, { limit: 1000 });
        assert.equal(page.items.filter((c) => c.id === extra.id).length, 1);
        assert.deepEqual(await store.get(extra.id), extra);
      });

      it('an invalid CDR is refused with CdrValidationError and nothing is stored', async () => {
        const [bad] = genCdrs(1, { base: BASE, spanMs: DAY, seed: 67 });
        await assert.rejects(store.insert({ ...bad, direction: 'sideways' as never }), CdrValidationError);
        await assert.rejects(store.insert({ ...bad, id: 'not-a-uuid' }), CdrValidationError);
        await assert.rejects(store.insert({ ...bad, endTime: new Date(bad.startTime.getTime() - 1) }), CdrValidationError);
        assert.equal(await store.get(bad.id), null);
      });

      it('ping resolves while the backend answers', async () => {
        await store.ping();
      });
    });

    describe('filters (every page collected, compared with the records)', () => {
      it('each filter returns exactly the matching CDRs, newest first', async () => {
        for (const c of cases(all)) {
          const expected = all.filter(c.match).sort(byKey).reverse().map((x) => x.id);
          const { rows } = await allPages(store, c.filter, '-startTime', 200);
          assert.deepEqual(rows.map((x) => x.id), expected, c.name);
        }
      });

      it('the test data exercises every filter (each case matches some but not all rows)', () => {
        for (const c of cases(all).slice(1, -1)) {
          const n = all.filter(c.match).length;
          assert.ok(n > 0 && n < all.length, `${c.name}: ${n} of ${all.length}`);
        }
      });

      it('a bad filter value is refused with CdrValidationError', async () => {
        await assert.rejects(store.query({ numberPrefix: "+49' OR 1=1 --" }), CdrValidationError);
        await assert.rejects(store.query({ direction: [] }), CdrValidationError);
        await assert.rejects(store.query({ sipStatus: 99 }), CdrValidationError);
        await assert.rejects(store.query({ from: new Date('nope') }), CdrValidationError);
        await assert.rejects(store.query({ bogus: 1 } as CdrFilter), CdrValidationError);
        await assert.rejects(store.query({}, { limit: 0 }), CdrValidationError);
      });
    });

    describe('pagination', () => {
      it('pages in both sort orders visit every row exactly once, in (startTime, id) order', async () => {
        const asc = [...all].sort(byKey).map((c) => c.id);
        const up = await allPages(store, {}, 'startTime', 37);
        assert.deepEqual(up.rows.map((c) => c.id), asc);
        assert.equal(up.pages, Math.ceil(all.length / 37));
        const down = await allPages(store, {}, '-startTime', 50);
        assert.deepEqual(down.rows.map((c) => c.id), [...asc].reverse());
      });

      it('rows sharing one startTime are split across pages without loss (id breaks the tie)', async () => {
        const counts = new Map<number, number>();
        for (const c of all) counts.set(c.startTime.getTime(), (counts.get(c.startTime.getTime()) ?? 0) + 1);
        const [t] = [...counts].find(([, n]) => n >= 3) ?? [];
        assert.ok(t !== undefined, 'the generator makes equal start times');
        const filter = { from: new Date(t), to: new Date(t + 1) };
        const { rows, pages } = await allPages(store, filter, 'startTime', 1);
        assert.equal(rows.length, counts.get(t));
        assert.ok(pages >= 3);
        assert.deepEqual(rows.map((c) => c.id), all.filter((c) => c.startTime.getTime() === t).map((c) => c.id).sort());
      });

      it('no duplicate and no gap while CDRs are inserted concurrently, before and after the cursor', async () => {
        const window = { from: new Date(BASE.getTime() + 10 * DAY), to: new Date(BASE.getTime() + 11 * DAY) };
        const before = genCdrs(300, { base: window.from, spanMs: DAY, seed: 600 });
        await insertAll(store, before);
        all.push(...before);
        const late = genCdrs(200, { base: window.from, spanMs: DAY, seed: 601 });
        const seen: string[] = [];
        let cursor: string | null = null;
        let k = 0;
        do {
          // Each page is fetched while a batch of new CDRs (anywhere in the window) is being inserted.
          const batch = late.slice(k * 20, k * 20 + 20);
          const [page]: [CdrPage, void] = await Promise.all([
            store.query(window, { sort: '-startTime', cursor, limit: 25 }),
            insertAll(store, batch, 5),
          ]);
          all.push(...batch);
          k++;
          seen.push(...page.items.map((c) => c.id));
          cursor = page.nextCursor;
        } while (cursor);
        assert.equal(new Set(seen).size, seen.length, 'no CDR appears twice');
        const seenSet = new Set(seen);
        for (const c of before) assert.ok(seenSet.has(c.id), `CDR ${c.id} that existed before paging began was skipped`);
        const known = new Set([...before, ...late].map((c) => c.id));
        for (const id of seen) assert.ok(known.has(id));
        // Whatever order the inserts landed in, the pages were in strict key order.
        const byId = new Map(all.map((c) => [c.id, c]));
        for (let i = 1; i < seen.length; i++) assert.ok(byKey(byId.get(seen[i - 1])!, byId.get(seen[i])!) > 0);
        await insertAll(store, late.slice(k * 20));
        all.push(...late.slice(k * 20));
      });

      it('a cursor is refused under another sort, and garbage is refused', async () => {
        const page = await store.query({}, { sort: '-startTime', limit: 5 });
        assert.ok(page.nextCursor);
        await assert.rejects(store.query({}, { sort: 'startTime', cursor: page.nextCursor }), CdrValidationError);
        await assert.rejects(store.query({}, { cursor: 'garbage' }), CdrValidationError);
      });
    });

    describe('stats', () => {
      it('calls, answered, ASR, ACD and minutes equal the numbers computed here, for each grouping', async () => {
        for (const groupBy of ['day', 'hour', 'account', 'trunk', null] as CdrGroupBy[]) {
          assert.deepEqual(await store.stats({}, groupBy), expectedStats(all, groupBy), `groupBy ${groupBy}`);
        }
      });

      it('stats honour the filter', async () => {
        for (const c of cases(all)) {
          for (const groupBy of ['day', 'account', null] as CdrGroupBy[]) {
            assert.deepEqual(await store.stats(c.filter, groupBy), expectedStats(all.filter(c.match), groupBy), `${c.name} by ${groupBy}`);
          }
        }
      });

      it('the ungrouped stats of an empty selection are one row of zeros; grouped ones are empty', async () => {
        assert.deepEqual(await store.stats({ accountId: 999_999 }, null),
          [{ key: null, calls: 0, answered: 0, asr: 0, acdMs: 0, totalTalkMs: 0, totalMinutes: 0 }]);
        assert.deepEqual(await store.stats({ accountId: 999_999 }, 'day'), []);
      });

      it('an unknown grouping is refused', async () => {
        await assert.rejects(store.stats({}, 'week' as CdrGroupBy), CdrValidationError);
      });
    });

    describe('export', () => {
      it('streams every row once, oldest first, identical to get()', async () => {
        const rows = await collect(store.exportStream({}));
        assert.deepEqual(rows.map((c) => c.id), [...all].sort(byKey).map((c) => c.id));
        const byId = new Map(all.map((c) => [c.id, c]));
        for (const c of rows) assert.deepEqual(c, byId.get(c.id));
      });

      it('streams a filtered selection newest first', async () => {
        const c = cases(all)[1];
        const rows = await collect(store.exportStream(c.filter, { sort: '-startTime' }));
        assert.deepEqual(rows.map((x) => x.id), all.filter(c.match).sort(byKey).reverse().map((x) => x.id));
      });

      it('stopping early releases the backend: the store keeps working', async () => {
        for (let i = 0; i < 5; i++) {
          let n = 0;
          for await (const c of store.exportStream({})) {
            assert.ok(c.id);
            if (++n === 3) break;
          }
          assert.equal(n, 3);
        }
        await store.ping();
        assert.equal((await store.query({}, { limit: 2 })).items.length, 2);
      });

      it('a bad filter is refused when the export is asked for', () => {
        assert.throws(() => store.exportStream({ trunkId: -1 }), CdrValidationError);
      });
    });
  });
}

/** Reused by backend suites: a store whose backend is gone rejects with CdrStoreUnavailableError. */
export async function assertUnavailable(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, CdrStoreUnavailableError);
}

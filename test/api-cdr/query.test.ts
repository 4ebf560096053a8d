// Acceptance (issue 8): /v1/cdrs over 10k generated CDRs through real HTTP: every filter gives
// exactly the rows the test computes, in order; keyset pages have no duplicate and no gap while
// CDRs are inserted; one CDR in detail; stats equal the numbers computed here. On the API's
// MariaDB store always, and on MongoCdrStore when MONGO_URL names a server (none can be installed
// on these machines; without it the MongoDB suite is not registered, as in test/cdr).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { cdrToJson, MongoCdrStore, type CdrRecord, type CdrStore } from '@openline/cdr';
import type { Pool } from '@openline/db';
import { MongoClient } from 'mongodb';
import { byKey, genCdrs, genCdr, insertAll, prng } from '../cdr/support';
import { bearer, bulkInsert, createKey, startCdrApi, type CdrApi } from './support';

const BASE = new Date('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
const N = 10_000;

/** The same CDR moved so that it starts at `start` (every time shifted alike). */
function shiftTo(c: CdrRecord, start: Date): CdrRecord {
  const d = start.getTime() - c.startTime.getTime();
  const move = (x: Date | null): Date | null => (x === null ? null : new Date(x.getTime() + d));
  return { ...c, startTime: start, ringingTime: move(c.ringingTime), answerTime: move(c.answerTime), endTime: new Date(c.endTime.getTime() + d) };
}

interface Page { items: Array<{ id: string; startTime: string }>; nextCursor: string | null }

/** Where the suite's CDRs live: the API's MariaDB store (always), MongoDB (when MONGO_URL is set). */
interface Backend {
  name: string;
  store?: (pool: Pool, table: string) => CdrStore;
  load(t: CdrApi, cdrs: readonly CdrRecord[]): Promise<void>;
  cleanup?(): Promise<void>;
}

const mariadb: Backend = { name: 'MariaDB', load: (t, cdrs) => bulkInsert(t.pool, t.table, cdrs) };

function mongodb(url: string): Backend {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  const dbName = `openline_apicdr_${randomBytes(4).toString('hex')}`;
  return {
    name: 'MongoDB',
    store: () => new MongoCdrStore(client, { dbName }),
    load: async (t, cdrs) => {
      await (t.store as MongoCdrStore).ensureIndexes();
      await insertAll(t.store, cdrs, 50);
    },
    cleanup: async () => {
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

const backends = [mariadb, ...(process.env.MONGO_URL ? [mongodb(process.env.MONGO_URL)] : [])];

for (const backend of backends) describe(`operator CDR queries (/v1/cdrs over 10k CDRs in ${backend.name})`, function () {
  this.timeout(180_000);
  let t: CdrApi;
  let key: string;
  let cdrs: CdrRecord[];

  before(async () => {
    t = await startCdrApi({ store: backend.store });
    cdrs = genCdrs(N, { base: BASE, spanMs: 60 * DAY, seed: 808 });
    await backend.load(t, cdrs);
    key = (await createKey(t.stack, 'read')).key;
  });
  after(async () => {
    await t?.close();
    await backend.cleanup?.();
  });

  /** Every page of a query; asserts each page's size and that no id repeats. */
  async function pages(query: string, limit = 1000): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let n = 0; ; n++) {
      const q = `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = await t.get(`/v1/cdrs?${q}`, bearer(key));
      assert.equal(r.status, 200, r.text);
      const page = r.body as unknown as Page;
      assert.ok(page.items.length <= limit);
      if (page.nextCursor) assert.equal(page.items.length, limit, 'only the last page is short');
      ids.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
      if (!cursor) break;
      assert.ok(n < 20_000, 'pagination does not end');
    }
    assert.equal(new Set(ids).size, ids.length, 'an id appears twice');
    return ids;
  }

  const expected = (pred: (c: CdrRecord) => boolean, ascending = false): string[] => {
    const rows = cdrs.filter(pred).sort(byKey);
    return (ascending ? rows : rows.reverse()).map((c) => c.id);
  };

  const from = new Date(BASE.getTime() + 10 * DAY);
  const to = new Date(BASE.getTime() + 25 * DAY);
  const wide = { from: new Date(BASE.getTime() + 5 * DAY), to: new Date(BASE.getTime() + 55 * DAY) };
  const inRange = (c: CdrRecord): boolean => c.startTime >= from && c.startTime < to;
  const starts = (n: string | null, p: string): boolean => n !== null && n.startsWith(p);

  const cases: Array<{ name: string; query: string; pred: (c: CdrRecord) => boolean; ascending?: boolean }> = [
    { name: 'no filter, newest first', query: '', pred: () => true },
    { name: 'no filter, oldest first (sort=startTime)', query: 'sort=startTime', pred: () => true, ascending: true },
    { name: 'time range (from inclusive, to exclusive)', query: `from=${from.toISOString()}&to=${to.toISOString()}`, pred: inRange },
    { name: 'time range given as dates and with an offset', query: `from=2026-03-11&to=${encodeURIComponent('2026-03-26T02:00:00+02:00')}`, pred: inRange },
    { name: 'account (either party)', query: 'accountId=3', pred: (c) => c.caller.accountId === 3 || c.callee.accountId === 3 },
    { name: 'account + time range', query: `accountId=7&from=${from.toISOString()}&to=${to.toISOString()}`,
      pred: (c) => (c.caller.accountId === 7 || c.callee.accountId === 7) && inRange(c) },
    { name: 'number prefix, either party (+ sent as %2B)', query: 'number=%2B4930', pred: (c) => starts(c.caller.number, '+4930') || starts(c.callee.number, '+4930') },
    { name: 'number prefix with + unencoded (arrives as a space)', query: 'number=+1415', pred: (c) => starts(c.caller.number, '+1415') || starts(c.callee.number, '+1415') },
    { name: 'caller number prefix', query: 'callerNumber=%2B4989', pred: (c) => starts(c.caller.number, '+4989') },
    { name: 'callee number prefix without +', query: 'calleeNumber=3314', pred: (c) => starts(c.callee.number, '+3314') },
    { name: 'direction', query: 'direction=inbound', pred: (c) => c.direction === 'inbound' },
    { name: 'direction list (comma-separated)', query: 'direction=onnet,outbound', pred: (c) => c.direction !== 'inbound' },
    { name: 'disposition list (repeated parameter)', query: 'disposition=busy&disposition=no-answer', pred: (c) => c.disposition === 'busy' || c.disposition === 'no-answer' },
    { name: 'trunk', query: 'trunkId=2', pred: (c) => c.trunkId === 2 },
    { name: 'minimum duration (seconds of talk)', query: 'minDuration=300', pred: (c) => c.talkMs >= 300_000 },
    { name: 'SIP status list', query: 'sipStatus=486,503', pred: (c) => c.sipStatus === 486 || c.sipStatus === 503 },
    { name: 'every filter at once, oldest first',
      query: `from=${wide.from.toISOString()}&to=${wide.to.toISOString()}&accountId=5&direction=outbound&disposition=answered&trunkId=1&minDuration=10&sipStatus=200&sort=startTime`,
      pred: (c) => c.startTime >= wide.from && c.startTime < wide.to && (c.caller.accountId === 5 || c.callee.accountId === 5) && c.direction === 'outbound'
        && c.disposition === 'answered' && c.trunkId === 1 && c.talkMs >= 10_000 && c.sipStatus === 200,
      ascending: true },
  ];

  describe('filters', () => {
    for (const c of cases) {
      it(`${c.name}: exactly the matching CDRs, in (startTime, id) order`, async () => {
        const want = expected(c.pred, c.ascending);
        assert.ok(want.length > 0, 'the case selects something');
        const got = await pages(c.query);
        assert.equal(got.length, want.length);
        assert.deepEqual(got, want);
      });
    }

    it('pages of 37 walk all 10k rows with no duplicate and no gap', async () => {
      assert.deepEqual(await pages('sort=startTime', 37), expected(() => true, true));
    });

    it('account filter in pages of 23, both sorts (the two-branch account query), calls to oneself once', async () => {
      const acc = (c: CdrRecord): boolean => c.caller.accountId === 9 || c.callee.accountId === 9;
      assert.ok(cdrs.some((c) => c.caller.accountId === 9 && c.callee.accountId === 9), 'the data has a call from 9 to 9');
      assert.deepEqual(await pages('accountId=9', 23), expected(acc));
      assert.deepEqual(await pages(`accountId=9&sort=startTime&from=${from.toISOString()}`, 23), expected((c) => acc(c) && c.startTime >= from, true));
    });
  });

  describe('pagination while CDRs are inserted', () => {
    it('newest first: every CDR present at the start is returned exactly once, in order, despite inserts between pages', async () => {
      const before = new Set(cdrs.map((c) => c.id));
      const r = prng(99);
      const ids: string[] = [];
      const seen: CdrRecord[] = [];
      let cursor: string | null = null;
      let inserted = 0;
      for (;;) {
        const q: string = `limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await t.get(`/v1/cdrs?${q}`, bearer(key));
        assert.equal(res.status, 200, res.text);
        const page = res.body as unknown as Page;
        ids.push(...page.items.map((x) => x.id));
        // New CDRs land everywhere: before the cursor, after it, and at its very start time.
        const fresh = Array.from({ length: 40 }, (_, i) => genCdr(r, { base: BASE, spanMs: 60 * DAY, seed: 99 }, inserted + i));
        if (page.items.length) fresh[0] = shiftTo(fresh[0], new Date(page.items[page.items.length - 1].startTime));
        await Promise.all(fresh.map((c) => t.store.insert(c)));
        seen.push(...fresh);
        inserted += fresh.length;
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      assert.equal(new Set(ids).size, ids.length, 'no duplicate');
      const got = new Set(ids);
      for (const id of before) assert.ok(got.has(id), `CDR ${id} was skipped`);
      cdrs.push(...seen); // later cases see the inserted rows too
      assert.ok(inserted >= 1600);
    });

    it('oldest first: pages continue past the rows that were newest when paging began', async () => {
      const start = new Set(cdrs.map((c) => c.id));
      const ids: string[] = [];
      let cursor: string | null = null;
      let round = 0;
      for (;;) {
        const res = await t.get(`/v1/cdrs?sort=startTime&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, bearer(key));
        assert.equal(res.status, 200, res.text);
        const page = res.body as unknown as Page;
        ids.push(...page.items.map((x) => x.id));
        if (round++ < 5) {
          const c = genCdr(prng(round), { base: new Date(BASE.getTime() + 61 * DAY), spanMs: DAY, seed: 5 }, round);
          await t.store.insert(c);
          cdrs.push(c);
        }
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      assert.equal(new Set(ids).size, ids.length, 'no duplicate');
      const got = new Set(ids);
      for (const id of start) assert.ok(got.has(id), `CDR ${id} was skipped`);
      assert.equal(ids.length, cdrs.length, 'the rows added after the end were reached too');
    });
  });

  describe('one CDR', () => {
    it('answers the whole record: parties with devices, media stats per leg, codecs, hangup cause, transfer links', async () => {
      const c = cdrs.find((x) => x.media.aLeg !== null && x.transferredFrom !== null && x.hangupCause !== null)
        ?? cdrs.find((x) => x.media.aLeg !== null && x.transferredFrom !== null);
      assert.ok(c, 'the generator made a transferred call with media stats');
      const r = await t.get(`/v1/cdrs/${c.id}`, bearer(key));
      assert.equal(r.status, 200, r.text);
      const { links, ...record } = r.body as Record<string, unknown> & { links: Record<string, unknown> };
      assert.deepEqual(record, JSON.parse(JSON.stringify(cdrToJson(c))));
      assert.deepEqual(links, { self: `/v1/cdrs/${c.id}`, transferredFrom: { id: c.transferredFrom, href: `/v1/cdrs/${c.transferredFrom}` }, transferredTo: null });
    });

    it('answers 404 for an unknown id and 400 naming the field for a malformed one', async () => {
      const missing = await t.get(`/v1/cdrs/${randomUUID()}`, bearer(key));
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error?.code, 'cdr_not_found');
      const bad = await t.get('/v1/cdrs/not-a-uuid', bearer(key));
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.field, 'id');
    });
  });

  describe('stats', () => {
    interface Row { key: string | null; calls: number; answered: number; asr: number; acdMs: number; totalTalkMs: number; totalMinutes: number }

    function compute(rows: CdrRecord[], keyOf: (c: CdrRecord) => string | null): Row[] {
      const groups = new Map<string | null, { calls: number; answered: number; talk: number }>();
      for (const c of rows) {
        const k = keyOf(c);
        const g = groups.get(k) ?? { calls: 0, answered: 0, talk: 0 };
        g.calls++;
        if (c.disposition === 'answered') g.answered++;
        g.talk += c.talkMs;
        groups.set(k, g);
      }
      return [...groups].map(([k, g]) => ({
        key: k, calls: g.calls, answered: g.answered, asr: g.calls ? g.answered / g.calls : 0,
        acdMs: g.answered ? g.talk / g.answered : 0, totalTalkMs: g.talk, totalMinutes: g.talk / 60000,
      })).sort((a, b) => (a.key === b.key ? 0 : a.key === null ? -1 : b.key === null ? 1
        : /^\d+$/.test(a.key) && /^\d+$/.test(b.key) ? Number(a.key) - Number(b.key) : a.key < b.key ? -1 : 1));
    }

    const groupings: Array<{ groupBy: string; keyOf: (c: CdrRecord) => string | null }> = [
      { groupBy: 'none', keyOf: () => null },
      { groupBy: 'day', keyOf: (c) => c.startTime.toISOString().slice(0, 10) },
      { groupBy: 'hour', keyOf: (c) => c.startTime.toISOString().slice(0, 13) },
      { groupBy: 'account', keyOf: (c) => (c.caller.accountId ?? c.callee.accountId)?.toString() ?? null },
      { groupBy: 'trunk', keyOf: (c) => c.trunkId?.toString() ?? null },
    ];

    for (const g of groupings) {
      it(`groupBy=${g.groupBy}: calls, answered, ASR, ACD and minutes equal the numbers computed from the rows`, async () => {
        const r = await t.get(`/v1/cdrs/stats?groupBy=${g.groupBy}`, bearer(key));
        assert.equal(r.status, 200, r.text);
        const want = compute(cdrs, g.keyOf);
        assert.deepEqual(r.body.rows, want);
        assert.deepEqual(r.body.total, compute(cdrs, () => null)[0]);
      });
    }

    it('over a filter (outbound, time range, +49 numbers) grouped by trunk', async () => {
      const q = `direction=outbound&from=${from.toISOString()}&to=${to.toISOString()}&number=%2B49&groupBy=trunk`;
      const r = await t.get(`/v1/cdrs/stats?${q}`, bearer(key));
      assert.equal(r.status, 200, r.text);
      const rows = cdrs.filter((c) => c.direction === 'outbound' && inRange(c) && (starts(c.caller.number, '+49') || starts(c.callee.number, '+49')));
      assert.ok(rows.length > 100);
      assert.deepEqual(r.body.rows, compute(rows, (c) => c.trunkId?.toString() ?? null));
    });

    it('a filter that matches nothing gives one zero row in total', async () => {
      const r = await t.get('/v1/cdrs/stats?from=2030-01-01', bearer(key));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.total, { key: null, calls: 0, answered: 0, asr: 0, acdMs: 0, totalTalkMs: 0, totalMinutes: 0 });
    });
  });
});

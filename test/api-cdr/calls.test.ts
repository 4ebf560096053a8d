// Acceptance (issue 8): /v1/me/calls, a signed-in user's call log from the CDRs: the eldercare
// history windows (30 days, 3, 6, 12 months), direction from the user's side, the other party,
// duration, answered/missed; only the user's own calls; keyset pages.
import assert from 'node:assert/strict';
import type { CdrDisposition, CdrParty, CdrRecord } from '@openline/cdr';
import { genCdrs, genCdr, prng } from '../cdr/support';
import { bearer, bulkInsert, createKey, startCdrApi, type CdrApi } from './support';

const DAY = 86_400_000;
const ME = 424_242;
const FRIEND = 424_243;

interface Entry {
  id: string; direction: string; other: { accountId: number | null; username: string | null; number: string | null; displayName: string | null };
  startTime: string; durationSeconds: number; answered: boolean; missed: boolean; outcome: string;
}
interface Log { window: string; from: string; items: Entry[]; nextCursor: string | null }

const me: CdrParty = { accountId: ME, username: 'grandma', number: '+4930111111', device: null, displayName: 'Grandma' };
const friend: CdrParty = { accountId: FRIEND, username: 'carer', number: '+4930222222', device: null, displayName: 'Carer' };
const pstn: CdrParty = { accountId: null, username: null, number: '+4940333333', device: null, displayName: null };

/** A CDR `daysAgo` before now between two parties, with the talk time and outcome given. */
function call(now: number, daysAgo: number, caller: CdrParty, callee: CdrParty, disposition: CdrDisposition, talkSeconds = 0): CdrRecord {
  const base = genCdr(prng(daysAgo), { base: new Date(0), spanMs: 1, seed: daysAgo }, daysAgo);
  const start = new Date(now - daysAgo * DAY);
  const answered = disposition === 'answered';
  const answer = answered ? new Date(start.getTime() + 3000) : null;
  const end = new Date(start.getTime() + (answered ? 3000 + talkSeconds * 1000 : 20_000));
  return {
    ...base, caller, callee, direction: caller.accountId && callee.accountId ? 'onnet' : caller.accountId ? 'outbound' : 'inbound',
    trunkId: caller.accountId && callee.accountId ? null : 1, trunkName: caller.accountId && callee.accountId ? null : 'trunk-1',
    startTime: start, ringingTime: new Date(start.getTime() + 1000), answerTime: answer, endTime: end,
    setupMs: 1000, ringMs: answered ? 2000 : 19_000, talkMs: answered ? talkSeconds * 1000 : 0,
    disposition, sipStatus: answered ? 200 : disposition === 'busy' ? 486 : disposition === 'cancelled' ? 487 : 480,
    sipReason: answered ? 'OK' : 'Not OK', transferredFrom: null, transferredTo: null, transferKind: null,
  };
}

describe('the user call log (/v1/me/calls)', function () {
  this.timeout(120_000);
  let t: CdrApi;
  let log: CdrRecord[];

  before(async () => {
    t = await startCdrApi();
    const now = t.clock.now();
    log = [
      call(now, 10, me, friend, 'answered', 125),   // outgoing, answered
      call(now, 20, pstn, me, 'no-answer'),          // incoming, missed
      call(now, 45, friend, me, 'answered', 61),     // incoming, answered (3m)
      call(now, 120, me, pstn, 'busy'),              // outgoing, busy (6m)
      call(now, 250, friend, me, 'cancelled'),       // incoming, missed (12m)
      call(now, 400, me, friend, 'answered', 30),    // older than 12 months: never shown
    ];
    // Other people's calls around the same times: never in my log.
    await bulkInsert(t.pool, t.table, [...log, ...genCdrs(2000, { base: new Date(now - 300 * DAY), spanMs: 300 * DAY, seed: 3 })]);
  });
  after(async () => { await t?.close(); });

  async function get(query: string, accountId = ME): Promise<Log> {
    const r = await t.get(`/v1/me/calls${query}`, bearer(t.tokenFor(accountId)));
    assert.equal(r.status, 200, r.text);
    return r.body as unknown as Log;
  }

  it('defaults to the last 30 days, newest first, each call seen from my side', async () => {
    const l = await get('');
    assert.equal(l.window, '30d');
    assert.ok(Math.abs(new Date(l.from).getTime() - (t.clock.now() - 30 * DAY)) < 60_000);
    assert.deepEqual(l.items.map((x) => x.id), [log[0].id, log[1].id]);
    assert.equal(l.nextCursor, null);
    const [out, missed] = l.items;
    assert.deepEqual({ ...out, startTime: undefined }, {
      id: log[0].id, direction: 'outgoing', other: { accountId: FRIEND, username: 'carer', number: '+4930222222', displayName: 'Carer' },
      startTime: undefined, answerTime: log[0].answerTime?.toISOString(), endTime: log[0].endTime.toISOString(),
      durationSeconds: 125, answered: true, missed: false, outcome: 'answered',
    });
    assert.equal(out.startTime, log[0].startTime.toISOString());
    assert.equal(missed.direction, 'incoming');
    assert.deepEqual(missed.other, { accountId: null, username: null, number: '+4940333333', displayName: null });
    assert.equal(missed.answered, false);
    assert.equal(missed.missed, true);
    assert.equal(missed.outcome, 'missed');
    assert.equal(missed.durationSeconds, 0);
  });

  it('widens to 3, 6 and 12 months (calendar months back from now)', async () => {
    assert.deepEqual((await get('?window=3m')).items.map((x) => x.id), log.slice(0, 3).map((c) => c.id));
    const six = await get('?window=6m');
    assert.deepEqual(six.items.map((x) => x.id), log.slice(0, 4).map((c) => c.id));
    assert.equal(six.items[3].outcome, 'busy', 'an outgoing attempt that was not answered is not "missed"');
    assert.equal(six.items[3].missed, false);
    const year = await get('?window=12m');
    assert.deepEqual(year.items.map((x) => x.id), log.slice(0, 5).map((c) => c.id), 'a call 400 days ago is outside 12 months');
    assert.equal(year.items[2].direction, 'incoming');
    assert.equal(year.items[2].durationSeconds, 61);
  });

  it('missed=true lists only incoming calls I did not answer', async () => {
    const l = await get('?window=12m&missed=true');
    assert.deepEqual(l.items.map((x) => x.id), [log[1].id, log[4].id]);
    assert.ok(l.items.every((x) => x.missed && x.direction === 'incoming'));
  });

  it('pages with a cursor (no duplicate, no gap) and refuses the cursor on another window', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let last: Log | undefined;
    do {
      last = await get(`?window=12m&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      ids.push(...last.items.map((x) => x.id));
      cursor = last.nextCursor;
      if (cursor) {
        const other = await t.get(`/v1/me/calls?window=3m&limit=2&cursor=${encodeURIComponent(cursor)}`, bearer(t.tokenFor(ME)));
        assert.equal(other.status, 400);
        assert.equal(other.body.error?.field, 'cursor');
      }
    } while (cursor);
    assert.deepEqual(ids, log.slice(0, 5).map((c) => c.id));
  });

  it('shows the other party the same call from their side', async () => {
    const l = await get('?window=12m', FRIEND);
    const mine = l.items.filter((x) => [log[0].id, log[2].id, log[4].id].includes(x.id));
    assert.equal(mine.length, 3);
    const first = mine.find((x) => x.id === log[0].id);
    assert.equal(first?.direction, 'incoming');
    assert.equal(first?.other.username, 'grandma');
    assert.equal(mine.find((x) => x.id === log[4].id)?.outcome, 'cancelled', 'the caller\'s cancelled attempt is not missed for them');
    assert.ok(!l.items.some((x) => x.id === log[1].id), 'never another user\'s calls');
  });

  it('needs an account access token: 401 without one, 401 for an operator API key; 400 for an unknown window', async () => {
    const none = await t.get('/v1/me/calls');
    assert.equal(none.status, 401);
    const key = await createKey(t.stack, 'read,export');
    assert.equal((await t.get('/v1/me/calls', bearer(key.key))).status, 401);
    const bad = await t.get('/v1/me/calls?window=1y', bearer(t.tokenFor(ME)));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.field, 'window');
  });
});

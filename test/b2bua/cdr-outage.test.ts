// Acceptance (issue 6): CDRs are never lost. The B2BUA writes its CDRs through packages/cdr's
// DurableCdrWriter into a private MariaDB that this suite stops: calls made while it is down are
// spooled, and once it is back every CDR arrives exactly once — whether the same writer retries,
// or the app stopped meanwhile and a new writer replays the spool.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as mariadb from 'mariadb';
import { DurableCdrWriter, MariaDbCdrStore, type CdrRecord } from '@openline/cdr';
import { dbOptionsFrom } from '@openline/db';
import { silentLogger } from '@openline/log';
import { mariadbService, startStack, type StackHandle } from '@openline/stack';
import { getSharedStack, secondaryPortBase, tempDataDir } from '../support/stack';
import { account, bindDevice, startB2buaNode, type B2buaNode } from './support/harness';
import { TestUa } from './support/ua';

const DOMAIN = `outage${process.pid}.b2b.test`;

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('b2bua: CDRs across a CDR store outage', function () {
  this.timeout(180_000);
  let shared: StackHandle;
  let db: StackHandle | null = null;
  let dataDir: string;
  let spoolDir: string;
  let base: number;
  let pool: mariadb.Pool;
  let store: MariaDbCdrStore;
  let writer: DurableCdrWriter | null = null;
  let node: B2buaNode;
  const written: CdrRecord[] = [];
  const uas: TestUa[] = [];

  const startDb = (): Promise<StackHandle> =>
    startStack({ dataDir, portBase: base, infrastructure: false, services: [mariadbService], overrides: { log: { level: 'warn' } } });
  const openWriter = (): Promise<DurableCdrWriter> =>
    DurableCdrWriter.open({ store, spoolDir, retryInitialMs: 100, retryMaxMs: 500, logger: silentLogger() });

  async function rowsPerId(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await pool.query<Array<{ id: string; n: number }>>(
      { sql: `SELECT id, COUNT(*) AS n FROM cdrs WHERE id IN (${ids.map(() => '?').join(', ')}) GROUP BY id`, bigIntAsNumber: true }, [...ids]);
    const out = new Map(ids.map((id) => [id, 0]));
    for (const r of rows) out.set(r.id, Number(r.n));
    return out;
  }

  /** Three attempts: answered, busy, unknown destination. */
  async function makeCalls(): Promise<string[]> {
    const alice = await account(shared, DOMAIN);
    const bob = await account(shared, DOMAIN);
    const carol = await account(shared, DOMAIN);
    const a = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    const b = new TestUa(bob.user, DOMAIN, bob.password, node.sipPort);
    const c = new TestUa(carol.user, DOMAIN, carol.password, node.sipPort);
    for (const u of [a, b, c]) { await u.open(); uas.push(u); }
    c.answerMode = 'busy';
    await bindDevice(node, bob, b.port);
    await bindDevice(node, carol, c.port);
    const answered = await a.invite(bob.user);
    assert.equal(answered.status, 200);
    await a.request(answered, 'BYE');
    const busy = await a.invite(carol.user);
    assert.equal(busy.status, 486);
    const unknown = await a.invite('no-such-user');
    assert.equal(unknown.status, 404);
    return [answered.callId, busy.callId, unknown.callId];
  }

  before(async () => {
    shared = await getSharedStack();
    dataDir = tempDataDir('b2bcdr');
    spoolDir = tempDataDir('b2bspool');
    base = secondaryPortBase();
    db = await startDb();
    pool = mariadb.createPool({ ...dbOptionsFrom(db.config, db.secrets), connectionLimit: 4, acquireTimeout: 1500, connectTimeout: 1000,
      bigIntAsNumber: true, insertIdAsNumber: true, timezone: 'Z' });
    store = new MariaDbCdrStore(pool);
    writer = await openWriter();
    node = await startB2buaNode(shared, {
      cdr: { write: async (r) => { written.push(r); await (writer as DurableCdrWriter).write(r); } },
    });
  });
  afterEach(() => { for (const u of uas.splice(0)) u.close(); });
  after(async () => {
    await node?.stop();
    await writer?.close();
    await pool?.end().catch(() => undefined);
    await db?.stop();
    if (!process.env.KEEP_TEST_DATA) for (const d of [dataDir, spoolDir]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('MariaDB stopped during calls: the CDRs wait in the spool and arrive exactly once when it is back (same writer retrying)', async () => {
    await db?.stop();
    db = null;
    const callIds = await makeCalls();
    await until(() => callIds.every((id) => written.some((c) => c.aLegCallId === id)), 10_000, 'CDRs handed to the writer');
    const mine = written.filter((c) => callIds.includes(c.aLegCallId));
    assert.deepEqual(mine.map((c) => c.disposition).sort(), ['answered', 'busy', 'failed']);
    await until(() => !(writer as DurableCdrWriter).metrics().storeUp, 15_000, 'the writer to notice the store is down');
    assert.ok((writer as DurableCdrWriter).metrics().pending >= 3, JSON.stringify((writer as DurableCdrWriter).metrics()));
    db = await startDb();
    await (writer as DurableCdrWriter).flush(30_000);
    const counts = await rowsPerId(mine.map((c) => c.id));
    for (const c of mine) assert.equal(counts.get(c.id), 1, `CDR ${c.aLegCallId} stored ${counts.get(c.id)} times`);
    for (const c of mine) assert.deepEqual(await store.get(c.id), c);
  });

  it('the app stops while MariaDB is down: a new writer replays the spool at start and every CDR arrives exactly once', async () => {
    await db?.stop();
    db = null;
    const callIds = await makeCalls();
    await until(() => callIds.every((id) => written.some((c) => c.aLegCallId === id)), 10_000, 'CDRs handed to the writer');
    const mine = written.filter((c) => callIds.includes(c.aLegCallId));
    // The app goes away with the CDRs only in its spool (close keeps what is pending).
    await (writer as DurableCdrWriter).close();
    writer = null;
    db = await startDb();
    writer = await openWriter();
    assert.ok(writer.metrics().replayed >= 3, JSON.stringify(writer.metrics()));
    await writer.flush(30_000);
    const counts = await rowsPerId(mine.map((c) => c.id));
    for (const c of mine) assert.equal(counts.get(c.id), 1, `CDR ${c.aLegCallId} stored ${counts.get(c.id)} times`);
    // a second replay of the same spool (another restart) adds nothing
    await writer.close();
    writer = await openWriter();
    await writer.flush(10_000);
    const again = await rowsPerId(mine.map((c) => c.id));
    for (const c of mine) assert.equal(again.get(c.id), 1);
  });
});

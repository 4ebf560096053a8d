// "CDRs that are never lost" against a real MariaDB: a private server (the stack library, its own
// data dir and port base) that this suite stops and restarts, and a writer process killed with
// SIGKILL after spooling. Every CDR must arrive exactly once.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as mariadb from 'mariadb';
import {
  cdrLine, cdrToJson, CdrRecord, CdrStoreUnavailableError, DurableCdrWriter, MariaDbCdrStore, parseSpool, SPOOL_FILE,
} from '@openline/cdr';
import { dbOptionsFrom } from '@openline/db';
import { silentLogger } from '@openline/log';
import { mariadbService, StackHandle, startStack } from '@openline/stack';
import { repoRoot, secondaryPortBase, tempDataDir } from '../support/stack';
import { genCdrs } from './support';

const BASE = new Date('2026-06-01T00:00:00.000Z');

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('DurableCdrWriter against a real MariaDB that stops and restarts', function () {
  this.timeout(180_000);
  let dataDir: string;
  let base: number;
  let stack: StackHandle | null = null;
  let pool: mariadb.Pool;
  let store: MariaDbCdrStore;
  let writer: DurableCdrWriter | null = null;
  let work: string;

  const startDb = (): Promise<StackHandle> =>
    startStack({ dataDir, portBase: base, infrastructure: false, services: [mariadbService], overrides: { log: { level: 'warn' } } });

  /** How many rows each id has in the store (0 = missing). */
  async function rowsPerId(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await pool.query<Array<{ id: string; n: number }>>(
      { sql: `SELECT id, COUNT(*) AS n FROM cdrs WHERE id IN (${ids.map(() => '?').join(', ')}) GROUP BY id`, bigIntAsNumber: true }, [...ids]);
    const out = new Map(ids.map((id) => [id, 0]));
    for (const r of rows) out.set(r.id, Number(r.n));
    return out;
  }

  async function assertExactlyOnce(cdrs: readonly CdrRecord[]): Promise<void> {
    const counts = await rowsPerId(cdrs.map((c) => c.id));
    for (const c of cdrs) assert.equal(counts.get(c.id), 1, `CDR ${c.callId} stored ${counts.get(c.id)} times`);
    for (const c of cdrs.slice(0, 5)) assert.deepEqual(await store.get(c.id), c);
  }

  before(async () => {
    dataDir = tempDataDir('cdrdb');
    work = tempDataDir('cdrspool');
    base = secondaryPortBase();
    stack = await startDb();
    // A short acquire timeout, so an insert fails fast while the server is down.
    pool = mariadb.createPool({ ...dbOptionsFrom(stack.config, stack.secrets), connectionLimit: 4, acquireTimeout: 1500,
      connectTimeout: 1000, bigIntAsNumber: true, insertIdAsNumber: true, timezone: 'Z' });
    store = new MariaDbCdrStore(pool);
  });

  after(async () => {
    await writer?.close();
    await pool?.end().catch(() => undefined);
    await stack?.stop();
    if (!process.env.KEEP_TEST_DATA) {
      for (const d of [dataDir, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('CDRs written while MariaDB is down are spooled, and after its restart each arrives exactly once', async () => {
    const spoolDir = path.join(work, 'outage');
    writer = await DurableCdrWriter.open({ store, spoolDir, retryInitialMs: 100, retryMaxMs: 1000, logger: silentLogger() });
    const beforeOutage = genCdrs(5, { base: BASE, spanMs: 3_600_000, seed: 61 });
    for (const c of beforeOutage) await writer.write(c);
    await writer.flush(20_000);
    await assertExactlyOnce(beforeOutage);

    await stack!.stop();
    stack = null;
    await assert.rejects(store.ping(), CdrStoreUnavailableError);
    const during = genCdrs(30, { base: BASE, spanMs: 3_600_000, seed: 62 });
    const t0 = Date.now();
    await Promise.all(during.map((c) => writer!.write(c)));
    assert.ok(Date.now() - t0 < 5000, 'write() does not wait for the store');
    const w = writer;
    await until(() => w.metrics().retries > 0, 20_000, 'a failed insert');
    assert.equal(w.metrics().pending, 30);
    assert.equal(w.metrics().storeUp, false);
    assert.equal(parseSpool(fs.readFileSync(path.join(spoolDir, SPOOL_FILE), 'utf8')).pending.length, 30, 'all 30 are on disk');

    stack = await startDb();
    await w.flush(60_000);
    await assertExactlyOnce([...beforeOutage, ...during]);
    const [{ n }] = await pool.query<Array<{ n: number }>>({ sql: 'SELECT COUNT(*) AS n FROM cdrs', bigIntAsNumber: true });
    assert.equal(Number(n), 35, 'no extra rows');
    assert.equal(fs.statSync(path.join(spoolDir, SPOOL_FILE)).size, 0, 'the spool is empty again');
    const m = w.metrics();
    assert.equal(m.written, 35);
    assert.ok(m.retries > 0);
    assert.equal(m.storeUp, true);
    await w.close();
    writer = null;
  });

  it('a writer process killed with SIGKILL after spooling loses nothing: the next writer replays its spool', async () => {
    const spoolDir = path.join(work, 'killed');
    const cdrs = genCdrs(20, { base: BASE, spanMs: 3_600_000, seed: 63 });
    const file = path.join(work, 'killed-cdrs.json');
    fs.writeFileSync(file, JSON.stringify(cdrs.map(cdrToJson)));
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'fixtures', 'spool-child.ts'), file, spoolDir,
      String(await deadPort())], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    await until(() => out.includes('SPOOLED') || child.exitCode !== null, 60_000, `the child to spool (stderr: ${err})`);
    assert.match(out, /SPOOLED 20/, err);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    assert.equal(parseSpool(fs.readFileSync(path.join(spoolDir, SPOOL_FILE), 'utf8')).pending.length, 20);
    writer = await DurableCdrWriter.open({ store, spoolDir, retryInitialMs: 100, logger: silentLogger() });
    assert.equal(writer.metrics().replayed, 20);
    await writer.flush(30_000);
    await assertExactlyOnce(cdrs);
    await writer.close();
    writer = null;
  });

  it('a crash between the insert and the ack replays a CDR the store has: it stays one row, unchanged', async () => {
    const spoolDir = path.join(work, 'acked-late');
    fs.mkdirSync(spoolDir, { recursive: true });
    const [inserted, notYet] = genCdrs(2, { base: BASE, spanMs: 3_600_000, seed: 64 });
    await store.insert(inserted);
    fs.writeFileSync(path.join(spoolDir, SPOOL_FILE), cdrLine({ ...inserted, sipReason: 'replayed copy' }) + cdrLine(notYet));
    writer = await DurableCdrWriter.open({ store, spoolDir, retryInitialMs: 100, logger: silentLogger() });
    await writer.flush(30_000);
    await assertExactlyOnce([inserted, notYet]);
    assert.equal((await store.get(inserted.id))?.sipReason, inserted.sipReason);
    await writer.close();
    writer = null;
  });
});

// DurableCdrWriter over the in-memory store: spooling, retries, replay, torn and corrupt lines,
// the size limit, rejects, the directory lock. (Against a real MariaDB: test/cdr/durable-writer.test.ts.)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CdrValidationError } from '../src/errors';
import { MemoryCdrStore } from '../src/memory-store';
import { ackLine, cdrLine, CORRUPT_FILE, parseSpool, REJECTED_FILE, SPOOL_FILE } from '../src/spool/spool-file';
import { CdrLogger, CdrSpoolError, DurableCdrWriter } from '../src/spool/writer';
import { CdrRecord } from '../src/types';
import { sampleCdr } from './fixture';

interface Logged { level: string; msg: string }

function logger(into: Logged[]): CdrLogger {
  return {
    info: (_o, msg) => { into.push({ level: 'info', msg }); },
    warn: (_o, msg) => { into.push({ level: 'warn', msg }); },
    error: (_o, msg) => { into.push({ level: 'error', msg }); },
  };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('DurableCdrWriter', () => {
  let dir: string;
  let store: MemoryCdrStore;
  let logs: Logged[];
  const open = (extra: Partial<Parameters<typeof DurableCdrWriter.open>[0]> = {}): Promise<DurableCdrWriter> =>
    DurableCdrWriter.open({ store, spoolDir: dir, retryInitialMs: 5, retryMaxMs: 20, logger: logger(logs), ...extra });
  const spoolText = (): string => fs.readFileSync(path.join(dir, SPOOL_FILE), 'utf8');
  const stored = async (c: CdrRecord): Promise<boolean> => (await store.get(c.id)) !== null;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-spool-'));
    store = new MemoryCdrStore();
    logs = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('store up', () => {
    it('write() resolves once spooled; the store gets the CDR and the spool is emptied', async () => {
      const w = await open();
      const cdrs = Array.from({ length: 20 }, () => sampleCdr());
      await Promise.all(cdrs.map((c) => w.write(c)));
      await w.flush(2000);
      for (const c of cdrs) assert.deepEqual(await store.get(c.id), c);
      assert.equal(spoolText(), '');
      const m = w.metrics();
      assert.equal(m.spooled, 20);
      assert.equal(m.written, 20);
      assert.equal(m.pending, 0);
      assert.equal(m.retries, 0);
      await w.close();
    });

    it('writing the same CDR twice stores it once', async () => {
      const w = await open();
      const c = sampleCdr();
      await Promise.all([w.write(c), w.write(c)]);
      await w.write(c);
      await w.flush(2000);
      assert.equal((await store.stats({}, null))[0].calls, 1);
      await w.close();
    });
  });

  describe('store down', () => {
    it('keeps CDRs in the spool, retries with backoff, and writes them all when the store is back', async () => {
      store.down = true;
      const w = await open();
      const cdrs = Array.from({ length: 12 }, () => sampleCdr());
      for (const c of cdrs) await w.write(c);
      await until(() => w.metrics().retries >= 24);
      assert.equal(w.metrics().pending, 12);
      assert.equal(w.metrics().storeUp, false);
      assert.equal(parseSpool(spoolText()).pending.length, 12, 'every CDR is on disk');
      assert.equal(logs.filter((l) => l.msg.includes('unavailable')).length, 1, 'one loud log per outage, not one per retry');
      store.down = false;
      await w.flush(3000);
      for (const c of cdrs) assert.ok(await stored(c));
      assert.equal(w.metrics().written, 12);
      assert.equal(w.metrics().storeUp, true);
      assert.ok(logs.some((l) => l.msg.includes('is back')));
      assert.equal(spoolText(), '');
      await w.close();
    });

    it('a writer closed during an outage leaves the CDRs in the spool; the next one replays them', async () => {
      store.down = true;
      const w1 = await open();
      const cdrs = Array.from({ length: 5 }, () => sampleCdr());
      for (const c of cdrs) await w1.write(c);
      await w1.close();
      store.down = false;
      const w2 = await open();
      assert.equal(w2.metrics().replayed, 5);
      await w2.flush(2000);
      for (const c of cdrs) assert.deepEqual(await store.get(c.id), c);
      await w2.close();
    });
  });

  describe('replay of an existing spool (after a crash)', () => {
    it('replays CDRs without an ack, skips acked ones, and absorbs one the store already has', async () => {
      const [a, b, c] = [sampleCdr(), sampleCdr(), sampleCdr()];
      await store.insert(c); // crash after the insert, before the ack
      fs.writeFileSync(path.join(dir, SPOOL_FILE), cdrLine(a) + cdrLine(b) + ackLine(b.id) + cdrLine(c));
      const w = await open();
      assert.equal(w.metrics().replayed, 2);
      await w.flush(2000);
      assert.ok(await stored(a));
      assert.equal(await stored(b), false, 'an acked CDR is not written again');
      assert.equal((await store.stats({}, null))[0].calls, 2);
      await w.close();
    });

    it('drops a torn last line and moves unreadable lines aside, loudly', async () => {
      const a = sampleCdr();
      fs.writeFileSync(path.join(dir, SPOOL_FILE), `{"t":"cdr","cdr":{"id":"x"}}\nnot json\n${cdrLine(a)}{"t":"cdr","cdr":{"id":`);
      const w = await open();
      await w.flush(2000);
      assert.ok(await stored(a));
      assert.equal(fs.readFileSync(path.join(dir, CORRUPT_FILE), 'utf8').split('\n').filter(Boolean).length, 2);
      assert.ok(logs.some((l) => l.level === 'error' && l.msg.includes('unreadable')));
      assert.ok(logs.some((l) => l.level === 'warn' && l.msg.includes('partial line')));
      await w.close();
    });
  });

  describe('limits and bad input', () => {
    it('refuses a write beyond the spool limit while the store is down, loudly, and accepts again once it is up', async () => {
      store.down = true;
      const one = Buffer.byteLength(cdrLine(sampleCdr()));
      const w = await open({ maxSpoolBytes: one * 3 + 10 });
      for (let i = 0; i < 3; i++) await w.write(sampleCdr());
      const over = sampleCdr();
      await assert.rejects(w.write(over), CdrSpoolError);
      assert.equal(w.metrics().refused, 1);
      assert.ok(logs.some((l) => l.level === 'error' && l.msg.includes('NOT RECORDED')));
      store.down = false;
      await w.write(over); // still over the limit until drained: goes to the store directly
      assert.ok(await stored(over));
      await w.flush(2000);
      assert.equal((await store.stats({}, null))[0].calls, 4);
      await w.close();
    });

    it('refuses an invalid CDR with CdrValidationError and keeps it in the rejected file', async () => {
      const w = await open();
      await assert.rejects(w.write({ ...sampleCdr(), disposition: 'nope' as never }), CdrValidationError);
      assert.match(fs.readFileSync(path.join(dir, REJECTED_FILE), 'utf8'), /"disposition":"nope"/);
      assert.equal(w.metrics().rejected, 1);
      await w.close();
    });

    it('one writer per spool directory', async () => {
      const w = await open();
      await assert.rejects(open(), /already open in this process/);
      await w.close();
      const w2 = await open();
      await w2.close();
    });

    it('a lock left by a dead process is taken over', async () => {
      fs.writeFileSync(path.join(dir, 'cdr-spool.lock'), '999999999');
      const w = await open();
      await w.close();
    });
  });

  describe('compaction', () => {
    it('rewrites the spool when acked lines dominate it, keeping every pending CDR', async () => {
      const one = Buffer.byteLength(cdrLine(sampleCdr()));
      const w = await open({ compactBytes: one * 4, concurrency: 1 });
      // All 12 spooled during an outage; then the store takes 7 and stalls on the 8th.
      const realInsert = store.insert.bind(store);
      let gate: (() => void) | null = null;
      let accepted = 0;
      store.insert = async (c) => {
        if (!store.down && ++accepted === 8) await new Promise<void>((r) => { gate = r; });
        return realInsert(c);
      };
      store.down = true;
      const cdrs = Array.from({ length: 12 }, () => sampleCdr());
      for (const c of cdrs) await w.write(c);
      assert.ok(fs.statSync(path.join(dir, SPOOL_FILE)).size >= one * 12);
      store.down = false;
      await until(() => gate !== null);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(w.metrics().pending, 5);
      assert.equal(parseSpool(spoolText()).pending.length, 5);
      // Without compaction the file would still hold all 12 CDR lines plus 7 acks.
      assert.ok(fs.statSync(path.join(dir, SPOOL_FILE)).size < one * 7, 'acked CDRs were compacted away');
      (gate as unknown as () => void)();
      await w.flush(2000);
      for (const c of cdrs) assert.ok(await stored(c));
      await w.close();
    });
  });
});

describe('DurableCdrWriter with a store that hangs', () => {
  it('an insert that never settles times out and is retried until the store answers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-spool-'));
    const store = new MemoryCdrStore();
    const realInsert = store.insert.bind(store);
    let hang = true;
    let attempts = 0;
    store.insert = (c) => {
      attempts++;
      return hang ? new Promise<void>(() => undefined) : realInsert(c);
    };
    const w = await DurableCdrWriter.open({ store, spoolDir: dir, retryInitialMs: 5, retryMaxMs: 10, insertTimeoutMs: 30, logger: logger([]) });
    try {
      const c = sampleCdr();
      await w.write(c);
      await until(() => attempts >= 3);
      assert.equal(w.metrics().pending, 1);
      hang = false;
      await w.flush(2000);
      assert.deepEqual(await store.get(c.id), c);
    } finally {
      await w.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The store and writer the `cdr:` config names: which store class each config gives, the spool
// directory (cdr.spoolDir or <dataDir>/spool/cdr), and that close() closes the store too.
// No MongoDB or MariaDB here: the Mongo store connects lazily and the MariaDB store only keeps the pool.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pool } from 'mariadb';
import { CdrConfigError, cdrSpoolDir, createCdrStore, openConfiguredCdrWriter, type CdrStoreConfig } from '../src/factory';
import { MariaDbCdrStore } from '../src/mariadb/store';
import { MemoryCdrStore } from '../src/memory-store';
import { MongoCdrStore } from '../src/mongo/store';
import { SPOOL_FILE } from '../src/spool/spool-file';
import { sampleCdr } from './fixture';

/** Never queried: the stores under test only keep it. */
const pool = {} as unknown as Pool;

function config(over: Partial<CdrStoreConfig> = {}): CdrStoreConfig {
  return { store: 'mariadb', mongoUrl: '', spoolDir: '', ...over };
}

describe('cdr factory', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-factory-')); });
  afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  describe('createCdrStore', () => {
    it('gives a MariaDbCdrStore for cdr.store mariadb (the default)', async () => {
      const store = createCdrStore(config(), pool);
      assert.ok(store instanceof MariaDbCdrStore);
      assert.equal(store.kind, 'mariadb');
      await store.close();
    });

    it('uses the caller\'s MariaDB builder when given (the API\'s reader)', () => {
      const mine = new MemoryCdrStore();
      let got: Pool | undefined;
      assert.equal(createCdrStore(config(), pool, (p) => { got = p; return mine; }), mine);
      assert.equal(got, pool);
    });

    it('gives a MongoCdrStore for cdr.store mongodb, ignoring the MariaDB builder', async () => {
      const store = createCdrStore(config({ store: 'mongodb', mongoUrl: 'mongodb://127.0.0.1:1/cdrs' }), pool, () => new MemoryCdrStore());
      assert.ok(store instanceof MongoCdrStore);
      assert.equal(store.kind, 'mongodb');
      await store.close();
    });

    it('refuses cdr.store mongodb without cdr.mongoUrl', () => {
      assert.throws(() => createCdrStore(config({ store: 'mongodb' }), pool), (err: unknown) => err instanceof CdrConfigError && /cdr\.mongoUrl/.test(err.message));
    });
  });

  describe('cdrSpoolDir', () => {
    it('is cdr.spoolDir when set, else <dataDir>/spool/cdr', () => {
      assert.equal(cdrSpoolDir(config({ spoolDir: '/srv/cdr-spool' }), '/var/lib/openline'), '/srv/cdr-spool');
      assert.equal(cdrSpoolDir(config(), '/var/lib/openline'), path.join('/var/lib/openline', 'spool', 'cdr'));
    });
  });

  describe('openConfiguredCdrWriter', () => {
    it('spools in cdr.spoolDir and writes through to the configured store', async () => {
      const spoolDir = path.join(tmp, 'configured');
      const mem = new MemoryCdrStore();
      const w = await openConfiguredCdrWriter(config({ spoolDir }), { pool, dataDir: path.join(tmp, 'data'), mariadb: () => mem });
      try {
        assert.equal(w.spoolDir, spoolDir);
        assert.equal(w.store, mem);
        const cdr = sampleCdr();
        await w.write(cdr);
        assert.ok(fs.existsSync(path.join(spoolDir, SPOOL_FILE)), 'spool file in cdr.spoolDir');
        assert.equal(fs.existsSync(path.join(tmp, 'data', 'spool', 'cdr')), false, 'nothing under <dataDir>/spool/cdr');
        await w.flush(2000);
        assert.equal((await mem.get(cdr.id))?.id, cdr.id);
      } finally {
        await w.close();
      }
    });

    it('defaults the spool to <dataDir>/spool/cdr; an explicit spoolDir option wins over the config', async () => {
      const dataDir = path.join(tmp, 'data');
      const a = await openConfiguredCdrWriter(config(), { pool, dataDir, mariadb: () => new MemoryCdrStore() });
      assert.equal(a.spoolDir, path.join(dataDir, 'spool', 'cdr'));
      assert.ok(fs.existsSync(a.spoolDir));
      await a.close();
      const b = await openConfiguredCdrWriter(config({ spoolDir: path.join(tmp, 'cfg') }), { pool, dataDir, spoolDir: path.join(tmp, 'opt'), mariadb: () => new MemoryCdrStore() });
      assert.equal(b.spoolDir, path.join(tmp, 'opt'));
      await b.close();
    });

    it('builds a MongoCdrStore writer for cdr.store mongodb (no connection until a write)', async () => {
      const w = await openConfiguredCdrWriter(config({ store: 'mongodb', mongoUrl: 'mongodb://127.0.0.1:1/cdrs', spoolDir: path.join(tmp, 'm') }), { pool, dataDir: tmp });
      assert.ok(w.store instanceof MongoCdrStore);
      await w.close();
    });

    it('close() closes the store as well as the spool', async () => {
      const mem = new MemoryCdrStore();
      let closed = 0;
      const close = mem.close.bind(mem);
      mem.close = async () => { closed++; await close(); };
      const w = await openConfiguredCdrWriter(config({ spoolDir: path.join(tmp, 'c') }), { pool, dataDir: tmp, mariadb: () => mem });
      await w.close();
      assert.equal(closed, 1);
      // The spool lock is released: the directory opens again.
      const again = await openConfiguredCdrWriter(config({ spoolDir: path.join(tmp, 'c') }), { pool, dataDir: tmp, mariadb: () => new MemoryCdrStore() });
      await again.close();
    });
  });
});

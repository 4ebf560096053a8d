// The conformance suite on MongoCdrStore, registered only when MONGO_URL points at a server
// (none can be installed on these machines; CI elsewhere sets it). Without MONGO_URL nothing is
// registered at all: the run forbids pending tests. Each run uses a database of its own.
import { randomBytes } from 'node:crypto';
import { CdrStore, MongoCdrStore } from '@openline/cdr';
import { MongoClient } from 'mongodb';
import * as assert from 'node:assert/strict';
import { cdrStoreConformance } from './conformance';

const url = process.env.MONGO_URL;

if (url) {
  const clients = new Map<CdrStore, { client: MongoClient; dbName: string }>();
  cdrStoreConformance({
    name: 'MongoCdrStore',
    create: async () => {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
      const dbName = `openline_cdrtest_${randomBytes(4).toString('hex')}`;
      const store = new MongoCdrStore(client, { dbName });
      await store.ensureIndexes();
      await store.ensureIndexes(); // idempotent
      clients.set(store, { client, dbName });
      return store;
    },
    destroy: async (store) => {
      const c = clients.get(store);
      if (!c) return;
      await c.client.db(c.dbName).dropDatabase();
      await store.close();
      await c.client.close();
    },
  });

  describe('MongoCdrStore indexes', () => {
    it('ensureIndexes creates every index of db/mongo/cdrs.json', async () => {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
      const dbName = `openline_cdrtest_${randomBytes(4).toString('hex')}`;
      try {
        const store = new MongoCdrStore(client, { dbName });
        await store.ensureIndexes();
        const names = (await client.db(dbName).collection('cdrs').indexes()).map((i) => i.name);
        for (const n of ['ix_cdrs_start', 'ix_cdrs_caller_account_start', 'ix_cdrs_callee_account_start', 'ix_cdrs_caller_number',
          'ix_cdrs_callee_number', 'ix_cdrs_trunk_start', 'ix_cdrs_disposition_start', 'ix_cdrs_status_start']) {
          assert.ok(names.includes(n), n);
        }
      } finally {
        await client.db(dbName).dropDatabase().catch(() => undefined);
        await client.close();
      }
    });
  });
}

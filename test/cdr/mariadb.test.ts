// The conformance suite on MariaDbCdrStore, in the shared stack's MariaDB (real server, the
// table from db/migrations/0003_cdrs.sql, copied so this suite never sees other suites' CDRs).
import { randomBytes } from 'node:crypto';
import { CdrStore, MariaDbCdrStore } from '@openline/cdr';
import { getSharedStack } from '../support/stack';
import { cdrStoreConformance } from './conformance';

const tables = new Map<CdrStore, string>();

cdrStoreConformance({
  name: 'MariaDbCdrStore',
  create: async () => {
    const pool = (await getSharedStack()).dbPool();
    const table = `cdrs_conf_${randomBytes(4).toString('hex')}`;
    // Identifier from hex digits only; CREATE TABLE cannot bind it as a parameter.
    await pool.query(`CREATE TABLE ${table} LIKE cdrs`);
    const store = new MariaDbCdrStore(pool, { table });
    tables.set(store, table);
    return store;
  },
  destroy: async (store) => {
    const pool = (await getSharedStack()).dbPool();
    await store.close();
    await pool.query(`DROP TABLE IF EXISTS ${tables.get(store)}`);
  },
});

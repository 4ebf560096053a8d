// The CDR store and writer the config names (config `cdr:` section: store, mongoUrl, spoolDir), built
// the same way by every service: the B2BUA writes through a DurableCdrWriter over it, the API reads
// from it. The config shape is structural here so this package does not depend on @openline/config.
import * as path from 'node:path';
import type { Pool } from 'mariadb';
import { MariaDbCdrStore } from './mariadb/store';
import { MongoCdrStore } from './mongo/store';
import { type CdrLogger, DurableCdrWriter } from './spool/writer';
import type { CdrRecord, CdrStore } from './types';

/** The `cdr:` config keys this factory reads (packages/config's schema). */
export interface CdrStoreConfig {
  store: 'mariadb' | 'mongodb';
  /** Required when store is mongodb. */
  mongoUrl: string;
  /** Spool of the durable writer; empty: <dataDir>/spool/cdr. */
  spoolDir: string;
}

/** The `cdr:` config cannot give a store (mongodb without a URL). */
export class CdrConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdrConfigError';
  }
}

/**
 * The configured store: MongoDB at `mongoUrl` (connects lazily, owns its client), else MariaDB on
 * the caller's pool (`mariadb` builds it; the API passes its reader with faster page queries).
 */
export function createCdrStore(config: CdrStoreConfig, pool: Pool, mariadb: (pool: Pool) => CdrStore = (p) => new MariaDbCdrStore(p)): CdrStore {
  if (config.store === 'mongodb') {
    if (!config.mongoUrl) throw new CdrConfigError('config: cdr.mongoUrl must be set when cdr.store is mongodb');
    return MongoCdrStore.create(config.mongoUrl);
  }
  return mariadb(pool);
}

/** The spool directory: `cdr.spoolDir` when set, else <dataDir>/spool/cdr. */
export function cdrSpoolDir(config: CdrStoreConfig, dataDir: string): string {
  return config.spoolDir !== '' ? config.spoolDir : path.join(dataDir, 'spool', 'cdr');
}

/** A DurableCdrWriter over the configured store; close() closes both (the pool stays the caller's). */
export interface ConfiguredCdrWriter {
  readonly store: CdrStore;
  readonly spoolDir: string;
  readonly writer: DurableCdrWriter;
  write(cdr: CdrRecord): Promise<void>;
  flush(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface ConfiguredCdrWriterOptions {
  pool: Pool;
  dataDir: string;
  logger?: CdrLogger;
  /** Replaces the configured spool directory (tests). */
  spoolDir?: string;
  /** Builds the MariaDB store (default MariaDbCdrStore on the pool). */
  mariadb?: (pool: Pool) => CdrStore;
}

export async function openConfiguredCdrWriter(config: CdrStoreConfig, opts: ConfiguredCdrWriterOptions): Promise<ConfiguredCdrWriter> {
  const store = createCdrStore(config, opts.pool, opts.mariadb);
  const spoolDir = opts.spoolDir ?? cdrSpoolDir(config, opts.dataDir);
  let writer: DurableCdrWriter;
  try {
    writer = await DurableCdrWriter.open({ store, spoolDir, ...(opts.logger ? { logger: opts.logger } : {}) });
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return {
    store, spoolDir, writer,
    write: (cdr) => writer.write(cdr),
    flush: (timeoutMs) => writer.flush(timeoutMs),
    async close() {
      await writer.close();
      await store.close();
    },
  };
}

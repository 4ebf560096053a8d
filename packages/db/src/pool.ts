// MariaDB connections for the services and the CLI: one pool per process, on the run's port.
import * as mariadb from 'mariadb';
import { Config, Secrets, portsFromBase } from '@openline/config';
import * as path from 'node:path';
import { findRootDir } from '@openline/config';

export interface DbConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  connectionLimit: number;
}

export function dbOptionsFrom(config: Config, secrets: Secrets): DbConnectionOptions {
  return {
    host: '127.0.0.1',
    port: portsFromBase(config.ports.base).mariadb,
    user: config.database.user,
    password: secrets.databasePassword,
    database: config.database.name,
    connectionLimit: config.database.poolSize,
  };
}

/** Shared settings: ids and COUNT(*) as numbers (they stay below 2^53), UTC timestamps. */
const COMMON = { bigIntAsNumber: true, insertIdAsNumber: true, timezone: 'Z', connectTimeout: 5000 } as const;

export function createDbPool(opts: DbConnectionOptions): mariadb.Pool {
  return mariadb.createPool({ ...opts, ...COMMON, acquireTimeout: 10000 });
}

export function createDbConnection(opts: Omit<DbConnectionOptions, 'connectionLimit'>): Promise<mariadb.Connection> {
  return mariadb.createConnection({ ...opts, ...COMMON });
}

/** db/migrations of this checkout. */
export function migrationsDir(rootDir: string = findRootDir(__dirname)): string {
  return path.join(rootDir, 'db', 'migrations');
}

export type { Pool, Connection, PoolConnection } from 'mariadb';

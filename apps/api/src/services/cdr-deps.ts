// The CDR API's dependencies: the CdrStore chosen by config (cdr.store: MariaDB on the API's pool,
// the default, or MongoDB at cdr.mongoUrl), the API key repository and the limits.
import type { Request } from 'express';
import { CdrConfigError, type CdrStore, createCdrStore as createConfiguredCdrStore } from '@openline/cdr';
import { type Config, ConfigError } from '@openline/config';
import { ApiKeyRepo, type Pool } from '@openline/db';
import type { ApiDeps } from '../deps';
import { OperatorAuth, type OperatorContext, type OperatorScope } from '../http/api-key-auth';
import { MariaDbCdrReader } from './cdr-mariadb-reader';

export type CdrConfig = Config['cdr'];

export interface CdrApiDeps {
  store: CdrStore;
  apiKeys: ApiKeyRepo;
  config: CdrConfig;
}

export function createCdrStore(config: CdrConfig, pool: Pool): CdrStore {
  try {
    return createConfiguredCdrStore(config, pool, (p) => new MariaDbCdrReader(p));
  } catch (err) {
    throw err instanceof CdrConfigError ? new ConfigError(err.message) : err;
  }
}

/** `store` replaces the configured one (tests give a store on a private table). */
export function buildCdrApiDeps(config: Config, pool: Pool, store?: CdrStore): CdrApiDeps {
  return { store: store ?? createCdrStore(config.cdr, pool), apiKeys: new ApiKeyRepo(pool), config: config.cdr };
}

/** The route table's operator authenticator, built on first use (the OpenAPI test mounts without deps). */
export function operatorAuthenticator(d: ApiDeps): (req: Request, scope: OperatorScope) => Promise<OperatorContext> {
  let auth: OperatorAuth | undefined;
  return (req, scope) => {
    auth ??= new OperatorAuth({
      apiKeys: d.cdr.apiKeys, access: d.access, limiter: d.limiter,
      requestsPerMinutePerKey: d.cdr.config.requestsPerMinutePerKey, now: () => d.clock.now(),
    });
    return auth.authenticate(req, scope);
  };
}

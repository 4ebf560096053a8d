// The B2BUA app (jambonz sbc-inbound app.js shape): build every dependency once into srf.locals,
// stack the INVITE middleware (initLocals → identifyCaller → routeCall → checkLimits), hand the
// routed INVITE to a new CallSession, answer OPTIONS, connect to sipd.
import Srf from 'drachtio-srf';
import { Redis } from 'ioredis';
import { openConfiguredCdrWriter, type ConfiguredCdrWriter } from '@openline/cdr';
import { Config, portsFromBase, Secrets } from '@openline/config';
import { createDbPool, dbOptionsFrom, type Pool } from '@openline/db';
import type { Logger } from '@openline/log';
import { RedisLocationStore, type LocationStore } from '@openline/location';
import { RtpEngineMediaServer, type MediaServer, type MediaServerEvent } from '@openline/media';
import { DigestServer } from '@openline/sip-auth';
import { CallSession } from './lib/call-session';
import { B2buaDeps, CdrSink, setDeps } from './lib/deps';
import { Directory } from './lib/directory';
import { CallLimits } from './lib/limits';
import { checkLimits, identifyCaller, initLocals, routeCall } from './lib/middleware';
import { NoopPushGateway, type PushCallGateway } from './lib/push';
import { Router } from './lib/router';
import { SessionTracker } from './lib/session-tracker';
import { parseSettings, type B2buaSettingsInput } from './lib/settings';
import type { Middleware, SrfReq } from './lib/srf-types';

export interface B2buaOptions {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  /** sipd admin socket; default 127.0.0.1:ports.sipdAdmin with secrets.sipdAdminSecret. */
  sipd?: { host: string; port: number; secret: string };
  /** Settings beyond the config file (rtpengines default: this run's rtpengine). */
  settings?: Partial<B2buaSettingsInput>;
  /** Where CDRs go; default a DurableCdrWriter over the configured store (config cdr.store, cdr.spoolDir). */
  cdr?: CdrSink;
  /** CDR spool directory for the default writer (replaces cdr.spoolDir). */
  cdrSpoolDir?: string;
  push?: PushCallGateway;
  /** Redis key prefix of the location store (default the registrar's). */
  locationPrefix?: string;
  nodeId?: string;
}

export interface B2buaApp {
  srf: Srf;
  deps: B2buaDeps;
  /** Resolves with sipd's hostport once connected. */
  connected: Promise<string>;
  /** Stops taking calls, waits (bounded) for live calls to end, then closes everything. */
  close(drainMs?: number): Promise<void>;
}

/** srf's typings give `next` as an untyped Function: our typed view. */
function adapt(mw: Middleware): (req: Srf.SrfRequest, res: Srf.SrfResponse, next: unknown) => void {
  return (req, res, next) => mw(req as SrfReq, res, (err?: Error) => {
    if (typeof next === 'function') Reflect.apply(next, undefined, err ? [err] : []);
  });
}

export async function createB2bua(opts: B2buaOptions): Promise<B2buaApp> {
  const { config, secrets, logger } = opts;
  const ports = portsFromBase(config.ports.base);
  const settings = parseSettings({
    rtpengines: [{ host: '127.0.0.1', port: ports.rtpengineNg }],
    digestAlgorithms: config.registrar.digestAlgorithms.split(',') as Array<'MD5' | 'SHA-256'>,
    nonceTtlSeconds: config.registrar.nonceTtlSeconds,
    ...opts.settings,
  });
  const pool: Pool = createDbPool(dbOptionsFrom(config, secrets));
  const redis = new Redis({ host: '127.0.0.1', port: ports.redis, maxRetriesPerRequest: 2 });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis'));
  const location: LocationStore = new RedisLocationStore(redis, { sweepIntervalMs: 0, ...(opts.locationPrefix ? { prefix: opts.locationPrefix } : {}) });
  const media: MediaServer = new RtpEngineMediaServer({
    instances: settings.rtpengines, timeoutMs: settings.rtpengineTimeoutMs, pingIntervalMs: settings.rtpenginePingMs,
    onEvent: (e: MediaServerEvent) => (e.type === 'command-failed' ? logger.warn(e, 'rtpengine command failed') : logger.warn(e, 'rtpengine health')),
  });
  let writer: ConfiguredCdrWriter | undefined;
  let cdr = opts.cdr;
  if (!cdr) {
    // cdr.store / cdr.mongoUrl / cdr.spoolDir, built as the API builds its store.
    writer = await openConfiguredCdrWriter(config.cdr, { pool, dataDir: config.dataDir, logger, ...(opts.cdrSpoolDir ? { spoolDir: opts.cdrSpoolDir } : {}) });
    const w = writer;
    cdr = { write: (record) => w.write(record) };
  }
  const directory = new Directory(pool, secrets.sipPasswordKey);
  const sessions = new SessionTracker<CallSession>();
  const srf = new Srf();
  const deps: B2buaDeps = {
    srf, settings, logger, directory,
    router: new Router(directory, { defaultCountry: settings.defaultCountry }),
    // Same nonce key as the registrar: a device's credentials work for both (one realm per domain).
    digest: new DigestServer({ nonceKey: secrets.registrarNonceKey, nonceTtlSeconds: settings.nonceTtlSeconds, algorithms: settings.digestAlgorithms }),
    location, media, limits: new CallLimits(redis, settings.redisPrefix), cdr,
    push: opts.push ?? new NoopPushGateway(),
    sessions,
    node: { id: opts.nodeId ?? '' },
  };
  setDeps(srf, deps);
  for (const mw of [initLocals, identifyCaller, routeCall, checkLimits]) srf.use('invite', adapt(mw(srf, logger)));
  srf.invite((req, res) => {
    try {
      CallSession.fromInvite(deps, req as SrfReq, res);
    } catch (err) {
      logger.error({ err }, 'CallSession not created');
      if (!res.finalResponseSent) res.send(500);
    }
  });

  const sipd = opts.sipd ?? { host: '127.0.0.1', port: ports.sipdAdmin, secret: secrets.sipdAdminSecret };
  const connected = new Promise<string>((resolve) => {
    srf.on('connect', (err: Error, hostport: string) => {
      if (err) return void logger.error({ err: err.message }, 'sipd connect failed');
      if (!opts.nodeId) deps.node.id = (hostport.split(',')[0] ?? '').replace(/^[a-z]+\//, '');
      logger.info({ hostport, node: deps.node.id }, 'connected to sipd');
      resolve(hostport);
    });
  });
  srf.on('error', (err: Error) => logger.warn({ err: err.message }, 'sipd connection'));
  void srf.connect(sipd);

  let closed = false;
  return {
    srf, deps, connected,
    async close(drainMs = 5000): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.race([sessions.idle(), new Promise((r) => setTimeout(r, drainMs))]);
      for (const s of sessions.all()) {
        await s.teardown({ side: 'system', status: 503, phrase: 'Service Unavailable', reason: 'SIP;cause=503;text="Service shutting down"' });
      }
      srf.disconnect();
      await media.close();
      await writer?.flush(2000).catch(() => undefined);
      await writer?.close();
      await location.close();
      await redis.quit().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

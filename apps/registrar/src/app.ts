// The registrar app (jambonz sbc-inbound app.js shape): build every dependency once into
// srf.locals, stack the REGISTER middleware, answer OPTIONS, connect to sipd.
import Srf from 'drachtio-srf';
import { Redis } from 'ioredis';
import { Config, portsFromBase, Secrets } from '@openline/config';
import { createDbPool, dbOptionsFrom, type Pool } from '@openline/db';
import type { Logger } from '@openline/log';
import { DEFAULT_PREFIX, RedisLocationStore } from '@openline/location';
import { DigestServer, type DigestAlgorithm } from '@openline/sip-auth';
import { AuthGuard } from './lib/auth-guard';
import { CredentialSource, DomainSet } from './lib/credentials';
import { RegistrarDeps, RegistrarSettings, setDeps } from './lib/deps';
import { DeviceRecorder } from './lib/devices';
import { Keepalive, srfPinger } from './lib/keepalive';
import { authenticate, authorizeAor, checkDomain, checkRequest, initLocals } from './lib/middleware';
import { options } from './lib/options';
import { register } from './lib/register';
import { registerStatusCodes } from './lib/status-codes';
import type { Middleware, SrfReq } from './lib/srf-types';

export interface RegistrarOptions {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  /** sipd admin socket; default 127.0.0.1:ports.sipdAdmin with secrets.sipdAdminSecret. */
  sipd?: { host: string; port: number; secret: string };
  /** Node id recorded in bindings; default: sipd's first SIP host:port as it reports on connect. */
  nodeId?: string;
  /** Redis key prefix of the location store (default ol:loc:). */
  prefix?: string;
  /** OPTIONS keepalive period in ms; default registrar.keepaliveIntervalSeconds, 0 = off. */
  keepaliveIntervalMs?: number;
}

export interface RegistrarApp {
  srf: Srf;
  deps: RegistrarDeps;
  /** Resolves with sipd's hostport once connected and routes are sent. */
  connected: Promise<string>;
  close(): Promise<void>;
}

/** srf's typings give `next` as an untyped Function and lack receivedOn/locals: our typed view. */
function adapt(mw: Middleware): (req: Srf.SrfRequest, res: Srf.SrfResponse, next: unknown) => void {
  return (req, res, next) => mw(req as SrfReq, res, (err?: Error) => {
    if (typeof next === 'function') Reflect.apply(next, undefined, err ? [err] : []);
  });
}

export function settingsFrom(config: Config): RegistrarSettings {
  const r = config.registrar;
  return {
    minExpires: r.minExpires,
    maxExpires: Math.max(r.maxExpires, r.minExpires),
    defaultExpires: Math.min(Math.max(r.defaultExpires, r.minExpires), Math.max(r.maxExpires, r.minExpires)),
    natUdpExpires: r.natUdpExpires,
    maxBindingsPerAor: r.maxBindingsPerAor,
    pushProviders: new Set(r.pushProviders.split(',')),
    maxMessageBytes: 16 * 1024,
    // Binding-refresh pushes run wherever push is enabled (apps/b2bua main.ts starts the scheduler).
    pushRefreshBeforeSeconds: config.push.apns.enabled || config.push.fcm.enabled ? config.push.refreshBeforeSeconds : null,
  };
}

/** "udp/127.0.0.1:5060,tcp/..." → "127.0.0.1:5060". */
export function nodeIdFrom(hostport: string): string {
  const first = hostport.split(',')[0] ?? '';
  return first.includes('/') ? first.slice(first.indexOf('/') + 1) : first;
}

export function createRegistrar(opts: RegistrarOptions): RegistrarApp {
  const { config, secrets, logger } = opts;
  const ports = portsFromBase(config.ports.base);
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const pool: Pool = createDbPool(dbOptionsFrom(config, secrets));
  const redisOpts = { host: '127.0.0.1', port: ports.redis, lazyConnect: false, maxRetriesPerRequest: 2 };
  const redis = new Redis(redisOpts);
  const sub = new Redis(redisOpts);
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis'));
  sub.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis subscriber'));
  const r = config.registrar;
  const store = new RedisLocationStore(redis, { prefix });
  const guard = new AuthGuard(redis, {
    limit: r.authFailureLimit, windowMs: r.authFailureWindowSeconds * 1000, blockMs: r.authBlockSeconds * 1000, prefix,
  }, logger);
  void sub.subscribe(guard.channel).catch((err: Error) => logger.warn({ err: err.message }, 'auth block channel'));
  sub.on('message', (channel: string, message: string) => { if (channel === guard.channel) guard.onAnnouncement(message); });

  const deps: RegistrarDeps = {
    settings: settingsFrom(config),
    store,
    digest: new DigestServer({
      nonceKey: secrets.registrarNonceKey, nonceTtlSeconds: r.nonceTtlSeconds,
      algorithms: [...new Set(r.digestAlgorithms.split(','))] as DigestAlgorithm[],
    }),
    credentials: new CredentialSource(pool, r.credentialCacheSeconds * 1000),
    domains: new DomainSet(pool),
    guard,
    devices: new DeviceRecorder(pool),
    logger,
    node: { id: opts.nodeId ?? '' },
  };

  registerStatusCodes();
  const srf = new Srf();
  setDeps(srf, deps);
  for (const mw of [initLocals, checkRequest, checkDomain, authenticate, authorizeAor, register]) {
    srf.use('register', adapt(mw(srf, logger)));
  }
  srf.use('options', adapt(options(srf, logger)));

  const sipd = opts.sipd ?? { host: '127.0.0.1', port: ports.sipdAdmin, secret: secrets.sipdAdminSecret };
  const connected = new Promise<string>((resolve) => {
    srf.on('connect', (err: Error, hostport: string) => {
      if (err) {
        logger.error({ err: err.message }, 'sipd connect failed');
        return;
      }
      if (!opts.nodeId) deps.node.id = nodeIdFrom(hostport);
      logger.info({ hostport, node: deps.node.id }, 'connected to sipd');
      resolve(hostport);
    });
  });
  srf.on('error', (err: Error) => logger.warn({ err: err.message }, 'sipd connection'));
  void srf.connect(sipd);

  // Dead flows go at once, not at expiry (keepalive.ts); pings start once sipd's id is known.
  const keepalive = new Keepalive({
    redis, store, logger, nodeId: () => deps.node.id, ping: srfPinger(srf, () => deps.node.id),
    intervalMs: opts.keepaliveIntervalMs ?? r.keepaliveIntervalSeconds * 1000,
  });
  void connected.then(() => { if (!closed) keepalive.start(); });

  let closed = false;
  return {
    srf, deps, connected,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await keepalive.stop();
      srf.disconnect();
      await store.close();
      sub.disconnect();
      await redis.quit().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

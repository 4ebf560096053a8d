// The API process's parts: dependencies built once from the validated configuration (pool, Redis,
// providers, repositories), the express app mounted from the route table, and the HTTP server.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Redis } from 'ioredis';
import type { CdrStore } from '@openline/cdr';
import { chatContextFrom } from '@openline/chat';
import type { Config, Secrets } from '@openline/config';
import { portsFromBase } from '@openline/config';
import { AccountRepo, createDbPool, dbOptionsFrom } from '@openline/db';
import type { Logger } from '@openline/log';
import { systemClock, type Clock } from './clock';
import type { ApiDeps } from './deps';
import { ApiError, errorBody, toApiError } from './errors';
import { AccessTokens } from './http/auth';
import { buildOpenApi } from './http/openapi';
import { RateLimiter } from './http/rate-limit';
import { mount, type AnyRoute } from './http/route';
import { LogMailer, SmtpMailer, type Mailer } from './providers/mail';
import { HttpSmsProvider, LogSmsProvider, type SmsProvider } from './providers/sms';
import { AccountsRepo } from './repos/accounts';
import { CirclesRepo } from './repos/circles';
import { ContactsRepo } from './repos/contacts';
import { DevicesRepo } from './repos/devices';
import { NotificationsRepo } from './repos/notifications';
import { SocialRepo } from './repos/social';
import { ActionTokensRepo, RefreshTokensRepo } from './repos/tokens';
import { VerificationsRepo } from './repos/verifications';
import { authRoutes } from './routes/auth';
import { callRoutes } from './routes/calls';
import { chatRoutes } from './routes/chat';
import { cdrRoutes } from './routes/cdrs';
import { circleRoutes } from './routes/circles';
import { clientRoutes, webDistDir, webStatic } from './routes/client';
import { contactRoutes } from './routes/contacts';
import { meRoutes } from './routes/me';
import { metaRoutes } from './routes/meta';
import { signupRoutes } from './routes/signup';
import { buildServices, type Services } from './services';
import { buildCdrApiDeps, operatorAuthenticator } from './services/cdr-deps';
import { Housekeeper } from './services/housekeeping';
import { ChatOutboxSink } from './services/chat-notifications';
import { DbNotificationSink, FanoutSink, type NotificationSink } from './services/notifications';
import { apiSettings } from './settings';

export const API_VERSION = '1.0.0';

export interface BuildOptions {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  clock?: Clock;
  /** Replace the configured providers (tests use the real adapters against local servers instead). */
  sms?: SmsProvider;
  mailer?: Mailer;
  /** Extra notification deliverers after the database sink and the chat system message (push). */
  sinks?: NotificationSink[];
  /** Redis key prefix of the rate-limit counters (tests isolate their counters). */
  rateLimitPrefix?: string;
  /** Replace the configured CDR store (tests use one on a private table). */
  cdrStore?: CdrStore;
}

export function buildDeps(o: BuildOptions): ApiDeps {
  const settings = apiSettings(o.config, o.secrets);
  const pool = createDbPool(dbOptionsFrom(o.config, o.secrets));
  const redis = new Redis({ host: '127.0.0.1', port: portsFromBase(o.config.ports.base).redis, maxRetriesPerRequest: 2 });
  redis.on('error', (err: Error) => o.logger.warn({ err: err.message }, 'redis'));
  const clock = o.clock ?? systemClock;
  const a = settings.api;
  const sms = o.sms ?? (a.sms.provider === 'http'
    ? new HttpSmsProvider({ url: a.sms.url, format: a.sms.format, username: a.sms.username, password: a.sms.password, from: a.sms.from, timeoutMs: a.sms.timeoutMs })
    : new LogSmsProvider(o.logger));
  const mailer = o.mailer ?? (a.mail.transport === 'smtp'
    ? new SmtpMailer({ host: a.mail.host, port: a.mail.port, secure: a.mail.secure, user: a.mail.user, password: a.mail.password, from: a.mail.from })
    : new LogMailer(o.logger));
  const notifications = new NotificationsRepo(pool);
  return {
    settings, pool, redis, logger: o.logger, clock, sms, mailer,
    notify: new FanoutSink([new DbNotificationSink(notifications), new ChatOutboxSink(pool, o.logger), ...(o.sinks ?? [])]),
    limiter: new RateLimiter(redis, o.rateLimitPrefix),
    access: new AccessTokens(settings.keys.access, a.accessTokenTtlSeconds, redis, clock),
    repos: {
      accounts: new AccountsRepo(pool, settings.sipDomain),
      credentials: new AccountRepo(pool, settings.sipPasswordKey, settings.sipDomain),
      devices: new DevicesRepo(pool), verifications: new VerificationsRepo(pool), refresh: new RefreshTokensRepo(pool),
      actions: new ActionTokensRepo(pool), contacts: new ContactsRepo(pool), notifications,
      circles: new CirclesRepo(pool), social: new SocialRepo(pool),
    },
    cdr: buildCdrApiDeps(o.config, pool, o.cdrStore),
    chat: chatContextFrom(o.config, o.secrets, { pool }),
  };
}

function clientIp(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Every route of the API (the router and the OpenAPI document are both made from this). */
export function apiRoutes(s: Services): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...signupRoutes(s), ...authRoutes(s), ...meRoutes(s), ...contactRoutes(s), ...circleRoutes(s),
    ...cdrRoutes(s), ...callRoutes(s), ...chatRoutes(s), ...clientRoutes(s),
  ];
  let doc: Record<string, unknown> | undefined;
  const document = (): Record<string, unknown> => (doc ??= buildOpenApi(all, { version: API_VERSION, serverUrl: s.deps.settings.publicUrl }));
  const all: AnyRoute[] = [...routes, ...metaRoutes(s, document)];
  return all;
}

export function createApp(s: Services): { app: express.Express; routes: AnyRoute[] } {
  const d = s.deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '512kb' }));
  // Every request counts against the source address's per-minute cap.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    d.limiter.consume({ key: `req:${clientIp(req)}`, max: d.settings.api.requestsPerMinutePerIp, windowSeconds: 60 }, 'too many requests from this address')
      .then(() => next(), next);
  });
  const routes = apiRoutes(s);
  const router = express.Router();
  mount(router, routes, { authenticate: (req) => d.access.fromRequest(req), authenticateOperator: operatorAuthenticator(d), clientIp });
  app.use(router);
  // The web softphone (apps/web/dist) at `/`, after every API route.
  const web = webDistDir();
  if (web) app.use(webStatic(web));
  app.use((req: Request, res: Response) => {
    res.status(404).json(errorBody(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    let e = toApiError(err);
    const type = (err as { type?: string }).type;
    if (!e && type === 'entity.parse.failed') e = new ApiError(400, 'invalid_json', 'body: not valid JSON', 'body');
    if (!e && type === 'entity.too.large') e = new ApiError(413, 'too_large', 'body: too large', 'body');
    if (!e && typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500) {
      e = new ApiError((err as { status: number }).status, 'bad_request', (err as Error).message);
    }
    if (!e) {
      d.logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
      e = new ApiError(500, 'internal', 'internal error');
    }
    if (e.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(e.retryAfterSeconds));
    if (e.status === 401) res.setHeader('www-authenticate', 'Bearer realm="openline"');
    res.status(e.status).json(errorBody(e));
  });
  return { app, routes };
}

export interface RunningApi {
  app: express.Express;
  server: http.Server;
  port: number;
  url: string;
  deps: ApiDeps;
  services: Services;
  routes: AnyRoute[];
  close(): Promise<void>;
}

/** Builds everything and listens (port 0: an ephemeral port, for tests). */
export async function startApi(o: BuildOptions & { host?: string; port?: number }): Promise<RunningApi> {
  const deps = buildDeps(o);
  const services = buildServices(deps);
  const { app, routes } = createApp(services);
  const housekeeper = new Housekeeper(deps.pool, deps.clock, deps.logger);
  housekeeper.start();
  const server = http.createServer(app);
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? deps.settings.listenPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    app, server, port, url: `http://${host}:${port}`, deps, services, routes,
    close: async () => {
      housekeeper.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      deps.mailer.close();
      deps.redis.disconnect();
      await deps.cdr.store.close();
      await deps.pool.end();
    },
  };
}

// B2BUA process: configuration validated once (packages/config + b2bua settings), then the app
// connects to sipd. Options: --sipd-host H --sipd-port P --sipd-secret S (default: this run's
// sipd), --rtpengine [name=]host:port (repeatable; default this run's rtpengine),
// --no-answer-timeout MS, --default-country CC, --node-id ID. Stops on SIGTERM/SIGINT, letting
// calls in progress end for up to 5 s. With push.apns or push.fcm enabled, sleeping devices are
// woken by the push-call server (apps/push), which also sends the binding-refresh pushes.
import { Redis } from 'ioredis';
import { loadConfig, portsFromBase, resolveSecrets, type Config, type Secrets } from '@openline/config';
import { createDbPool, dbOptionsFrom } from '@openline/db';
import { RedisLocationStore } from '@openline/location';
import { createLogger, type Logger } from '@openline/log';
import { createPushSender, DevicePushBindings, pushEnabled } from '@openline/push';
import { startPushService, type PushService } from '@openline/push-server';
import { createB2bua } from './app';
import { parseHostPort, type B2buaSettingsInput } from './lib/settings';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function args(argv: string[], name: string): string[] {
  return argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1]] : []));
}

/** The push-call server with the dispatcher from config.push (a dead token is cleared from the devices table). */
async function startPush(config: Config, secrets: Secrets, logger: Logger): Promise<{ service: PushService; close(): Promise<void> }> {
  const ports = portsFromBase(config.ports.base);
  const pool = createDbPool(dbOptionsFrom(config, secrets));
  const redis = new Redis({ host: '127.0.0.1', port: ports.redis, maxRetriesPerRequest: 2 });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis (push)'));
  const devices = new DevicePushBindings(pool);
  const sender = createPushSender(config, {
    onInvalidToken: async (t) => { await devices.removeToken(t.provider, t.prid); },
  });
  const location = new RedisLocationStore(redis, { sweepIntervalMs: 0 });
  const service = await startPushService({
    sender, redis, db: pool, location, waitSeconds: config.push.callWaitSeconds,
    refreshBeforeSeconds: config.push.refreshBeforeSeconds, logger: logger.child({ component: 'push' }),
  });
  return {
    service,
    async close() {
      await service.close();
      await redis.quit().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { config } = loadConfig();
  const secrets = resolveSecrets(config, { write: false });
  const logger = createLogger({ component: 'b2bua', level: config.log.level });
  const settings: Partial<B2buaSettingsInput> = {};
  const engines = args(argv, 'rtpengine');
  if (engines.length > 0) settings.rtpengines = engines.map(parseHostPort);
  const noAnswer = arg(argv, 'no-answer-timeout');
  if (noAnswer !== undefined) settings.noAnswerTimeoutMs = Number(noAnswer);
  const country = arg(argv, 'default-country');
  if (country !== undefined) settings.defaultCountry = country;
  const sipdPort = arg(argv, 'sipd-port');
  const push = pushEnabled(config) ? await startPush(config, secrets, logger) : undefined;
  const app = await createB2bua({
    config, secrets, logger, settings,
    sipd: {
      host: arg(argv, 'sipd-host') ?? '127.0.0.1',
      port: sipdPort !== undefined ? Number(sipdPort) : portsFromBase(config.ports.base).sipdAdmin,
      secret: arg(argv, 'sipd-secret') ?? secrets.sipdAdminSecret,
    },
    ...(arg(argv, 'node-id') ? { nodeId: arg(argv, 'node-id') } : {}),
    ...(push ? { push: push.service.calls } : {}),
  });
  const stop = (): void => {
    logger.info('stopping');
    void app.close().then(() => push?.close()).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await app.connected;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`b2bua: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

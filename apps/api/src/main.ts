// API process: configuration validated once (packages/config), dependencies built, HTTP on the
// run's API port (base+80), loopback. Stops on SIGTERM/SIGINT.
import { loadConfig, resolveSecrets } from '@openline/config';
import { createLogger } from '@openline/log';
import { startApi } from './app';

export async function main(): Promise<void> {
  const { config } = loadConfig();
  const secrets = resolveSecrets(config, { write: false });
  const logger = createLogger({ component: 'api', level: config.log.level });
  const api = await startApi({ config, secrets, logger });
  logger.info({ url: api.url }, 'api listening');
  if (config.api.sms.provider === 'log' || config.api.mail.transport === 'log') {
    logger.warn('SMS codes and/or email links are written to this log (api.sms.provider / api.mail.transport: log): development only');
  }
  const stop = (): void => {
    logger.info('stopping');
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`api: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

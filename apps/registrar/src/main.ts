// Registrar process: configuration validated once (packages/config), then the app connects to
// sipd. Options: --sipd-host H --sipd-port P --sipd-secret S (default: this run's sipd),
// --node-id ID. Stops on SIGTERM/SIGINT.
import { loadConfig, portsFromBase, resolveSecrets } from '@openline/config';
import { createLogger } from '@openline/log';
import { createRegistrar } from './app';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { config } = loadConfig();
  const secrets = resolveSecrets(config, { write: false });
  const logger = createLogger({ component: 'registrar', level: config.log.level });
  const sipdPort = arg(argv, 'sipd-port');
  const app = createRegistrar({
    config, secrets, logger,
    sipd: {
      host: arg(argv, 'sipd-host') ?? '127.0.0.1',
      port: sipdPort !== undefined ? Number(sipdPort) : portsFromBase(config.ports.base).sipdAdmin,
      secret: arg(argv, 'sipd-secret') ?? secrets.sipdAdminSecret,
    },
    nodeId: arg(argv, 'node-id'),
  });
  const stop = (): void => {
    logger.info('stopping');
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await app.connected;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`registrar: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

// B2BUA process: configuration validated once (packages/config + b2bua settings), then the app
// connects to sipd. Options: --sipd-host H --sipd-port P --sipd-secret S (default: this run's
// sipd), --rtpengine [name=]host:port (repeatable; default this run's rtpengine),
// --no-answer-timeout MS, --default-country CC, --node-id ID. Stops on SIGTERM/SIGINT, letting
// calls in progress end for up to 5 s.
import { loadConfig, portsFromBase, resolveSecrets } from '@openline/config';
import { createLogger } from '@openline/log';
import { createB2bua } from './app';
import { parseHostPort, type B2buaSettingsInput } from './lib/settings';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function args(argv: string[], name: string): string[] {
  return argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1]] : []));
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
  const app = await createB2bua({
    config, secrets, logger, settings,
    sipd: {
      host: arg(argv, 'sipd-host') ?? '127.0.0.1',
      port: sipdPort !== undefined ? Number(sipdPort) : portsFromBase(config.ports.base).sipdAdmin,
      secret: arg(argv, 'sipd-secret') ?? secrets.sipdAdminSecret,
    },
    ...(arg(argv, 'node-id') ? { nodeId: arg(argv, 'node-id') } : {}),
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
    process.stderr.write(`b2bua: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

// The project's own services, started after the infrastructure, in this order (and after their
// dependsOn). To add one: write a ServiceFactory and put it in PROJECT_SERVICES.
import * as path from 'node:path';
import { tcpProbe } from './probes';
import { ServiceDefinition, ServiceFactory, StackContext } from './service';

/**
 * sipd, the SIP engine, with drachtio-server's command-line options. Ready when its admin
 * (drachtio wire protocol) port accepts a TCP connection.
 */
export function sipdService(ctx: StackContext): ServiceDefinition {
  const p = ctx.ports;
  return {
    name: 'sipd',
    command: path.join(ctx.rootDir, 'bin', 'sipd'),
    installHint: 'build it with `make build`',
    args: [
      '--contact', `sip:127.0.0.1:${p.sip};transport=udp,tcp`,
      '--port', String(p.sipdAdmin),
      '--secret', ctx.secrets.sipdAdminSecret,
      '--address', '127.0.0.1',
      '--prometheus-scrape-port', `127.0.0.1:${p.sipdMetrics}`,
      '--loglevel', drachtioLevel(ctx.config.log.level),
    ],
    env: { LOG_LEVEL: ctx.config.log.level },
    ports: [
      { port: p.sip, proto: 'udp' }, { port: p.sip, proto: 'tcp' }, { port: p.sipdAdmin, proto: 'tcp' },
      { port: p.sipdMetrics, proto: 'tcp' },
    ],
    ready: tcpProbe(p.sipdAdmin),
    endpoints: [
      `SIP       sip:127.0.0.1:${p.sip};transport=udp,tcp`,
      `sipd      admin (drachtio protocol) 127.0.0.1:${p.sipdAdmin}, metrics http://127.0.0.1:${p.sipdMetrics}/metrics`,
    ],
  };
}

/** drachtio-server's log level names for the configured pino level. */
function drachtioLevel(level: string): string {
  switch (level) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'info':
      return 'info';
    case 'warn':
      return 'warning';
    default:
      return 'error';
  }
}

/** Project services of a default run, started after the infrastructure, in this order. */
export const PROJECT_SERVICES: readonly ServiceFactory[] = [
  sipdService,
];

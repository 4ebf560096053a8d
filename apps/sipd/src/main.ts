// sipd entry point: drachtio-server's command line → the engine, the metrics endpoint, signals.
import { readFileSync } from 'node:fs';
import { createLogger } from '@openline/log';
import { sipdOptionsOrExit, sipdVersion, type SipContact, type SipdOptions } from './cli';
import type { TlsCredentials } from './transport/tls-transport';
import { SipEngine } from './core/engine';
import { newEngineCounters } from './core/counters';
import { createSipdMetrics, startMetricsServer, type MetricsServer } from './metrics';

/** drachtio contacts → the transport layer's contact strings (one per transport set). */
function contactStrings(contacts: SipContact[]): string[] {
  return contacts.map((c) => {
    const host = c.bindAddress.includes(':') ? `[${c.bindAddress}]` : c.bindAddress;
    return `${c.scheme}:${host}:${c.port};transport=${c.transports.join(',')}`;
  });
}

/**
 * The certificate for tls/wss contacts from --key-file/--cert-file/--chain-file (drachtio reads
 * the same files). Exits with a message when a secure contact has no usable certificate.
 */
function tlsCredentials(opts: SipdOptions): TlsCredentials | undefined {
  const secure = opts.contacts.filter((c) => c.transports.some((t) => t === 'tls' || t === 'wss'));
  if (secure.length === 0) return undefined;
  const { keyFile, certFile, chainFile } = opts.tls;
  if (!keyFile || !certFile) {
    process.stderr.write(`sipd: ${secure.map((c) => c.uri).join(', ')}: tls/wss contacts need --key-file and --cert-file\n`);
    process.exit(2);
  }
  try {
    return {
      key: readFileSync(keyFile),
      cert: readFileSync(certFile),
      ...(chainFile ? { chain: readFileSync(chainFile) } : {}),
      ...(opts.tls.minVersion ? { minVersion: opts.tls.minVersion } : {}),
      ...(opts.tls.cipherList ? { ciphers: opts.tls.cipherList } : {}),
      ...(process.env.DRACHTIO_TLS_VERIFY_CLIENT_CERT === '1' ? { verifyClient: true } : {}),
    };
  } catch (err) {
    process.stderr.write(`sipd: cannot read the TLS certificate or key: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

export async function main(): Promise<void> {
  const opts = sipdOptionsOrExit();
  const logger = createLogger({ component: 'sipd', level: opts.logLevel });
  const metrics = createSipdMetrics({ version: sipdVersion() });
  const contacts = opts.contacts;
  if (contacts.length === 0) {
    process.stderr.write('sipd: no contact to listen on (use --contact "sip:HOST:PORT;transport=udp,tcp")\n');
    process.exit(2);
  }
  const tls = tlsCredentials(opts);
  const engine = new SipEngine({
    contacts: contactStrings(contacts),
    contactNat: contacts.map((c) => ({
      ...(c.externalIp ? { externalIp: c.externalIp } : {}),
      ...(c.localNet ? { localNet: c.localNet } : {}),
    })),
    ...(tls ? { tls } : {}),
    admin: { address: opts.admin.address, port: opts.admin.port, secret: opts.admin.secret },
    serverVersion: `v0.9.10-sipd-${sipdVersion().replace(/^v/, '')}`,
    timers: { T1: opts.timers.t1, T2: opts.timers.t2, T4: opts.timers.t4 },
    maxMessageSize: opts.limits.maxMessageSize,
    ...(opts.sip.dnsServers ? { dnsServers: opts.sip.dnsServers } : {}),
    cdrs: opts.cdrs,
    sessionTimers: {
      defaultRefresher: opts.sip.sessionTimerDefaultRefresher,
      ...(opts.sip.sessionMinSE !== undefined ? { minSE: opts.sip.sessionMinSE } : {}),
    },
    logger,
    behaviour: {
      ...(opts.sip.outboundProxy ? { outboundProxy: opts.sip.outboundProxy } : {}),
      ...(opts.sip.userAgentOptionsAutoRespond ? { userAgentOptionsAutoRespond: opts.sip.userAgentOptionsAutoRespond } : {}),
      alwaysSend180: opts.sip.alwaysSend180,
      rejectRegisterWithNoRealm: opts.sip.rejectRegisterWithNoRealm,
      disableNatDetection: opts.sip.disableNatDetection,
      aggressiveNatDetection: opts.sip.aggressiveNatDetection,
      ...(opts.sip.spammers ? { spammers: opts.sip.spammers } : {}),
    },
    counters: newEngineCounters({
      requestIn: (method) => metrics.requestsIn.inc({ method }),
      requestOut: (method) => metrics.requestsOut.inc({ method }),
      responseIn: (method, code) => metrics.responsesIn.inc({ method, code: String(code) }),
      responseOut: (method, code) => metrics.responsesOut.inc({ method, code: String(code) }),
    }),
  });
  metrics.bind({
    transactions: () => {
      const s = engine.stats();
      return { client: s.clientTransactions, server: s.serverTransactions };
    },
    dialogs: () => engine.dialogs.size,
    proxyCores: () => engine.stats().proxyCores,
    appConnections: () => engine.apps.connections().length,
    stableDialogs: () => {
      let inbound = 0;
      let outbound = 0;
      for (const d of engine.dialogs.all()) {
        if (d.state !== 'confirmed') continue;
        if (d.role === 'uas') inbound++;
        else outbound++;
      }
      return { inbound, outbound };
    },
    connections: () => ({ tcp: engine.transport.connectionCount() }),
  });

  let metricsServer: MetricsServer | undefined;
  try {
    await engine.start();
    if (opts.metrics) metricsServer = await startMetricsServer({ address: opts.metrics.address, port: opts.metrics.port, registry: metrics.registry });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ' (port already in use: choose another --contact/--port or stop the other process)' : '';
    process.stderr.write(`sipd: cannot start: ${e.message}${hint}\n`);
    await engine.stop(0).catch(() => undefined);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // Hard cap: whatever happens, the process is gone within 5 s of SIGTERM.
    setTimeout(() => process.exit(0), 4500).unref();
    void (async () => {
      await engine.stop(2000);
      await metricsServer?.close();
      logger.flush();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function fatal(err: unknown): never {
  process.stderr.write(`sipd: fatal: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
}

// Run when executed directly (node dist/src/main.js); bin/sipd requires it and calls main().
if (require.main === module) main().catch(fatal);
process.on('uncaughtException', (err) => fatal(err));

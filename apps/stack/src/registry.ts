// The project's own services, started after the infrastructure, in this order (and after their
// dependsOn). To add one: write a ServiceFactory and put it in PROJECT_SERVICES.
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ReadinessProbe, tcpProbe } from './probes';
import { ServiceDefinition, ServiceFactory, StackContext } from './service';
import { chatService, ejabberdService } from './chat';

/**
 * sipd, the SIP engine, with drachtio-server's command-line options. Ready when its admin
 * (drachtio wire protocol) port accepts a TCP connection.
 */
export function sipdService(ctx: StackContext): ServiceDefinition {
  const p = ctx.ports;
  // SIP over secure WebSocket (RFC 7118) for browsers, with a self-signed certificate made once.
  const keyFile = path.join(ctx.paths.confDir, 'sipd-wss.key');
  const certFile = path.join(ctx.paths.confDir, 'sipd-wss.crt');
  return {
    name: 'sipd',
    command: path.join(ctx.rootDir, 'bin', 'sipd'),
    installHint: 'build it with `make build`',
    args: [
      '--contact', `sip:127.0.0.1:${p.sip};transport=udp,tcp`,
      '--contact', `sips:127.0.0.1:${p.wss};transport=wss`, '--key-file', keyFile, '--cert-file', certFile,
      '--port', String(p.sipdAdmin),
      '--secret', ctx.secrets.sipdAdminSecret,
      '--address', '127.0.0.1',
      '--prometheus-scrape-port', `127.0.0.1:${p.sipdMetrics}`,
      '--loglevel', drachtioLevel(ctx.config.log.level),
    ],
    env: { LOG_LEVEL: ctx.config.log.level },
    ports: [
      { port: p.sip, proto: 'udp' }, { port: p.sip, proto: 'tcp' }, { port: p.sipdAdmin, proto: 'tcp' },
      { port: p.sipdMetrics, proto: 'tcp' }, { port: p.wss, proto: 'tcp' },
    ],
    ready: tcpProbe(p.sipdAdmin),
    prepare: () => ensureWssCertificate(keyFile, certFile, [ctx.config.api.publicHost, ctx.config.sip.domain]),
    endpoints: [
      `SIP       sip:127.0.0.1:${p.sip};transport=udp,tcp`,
      `SIP WSS   wss://127.0.0.1:${p.wss} (self-signed certificate ${certFile})`,
      `sipd      admin (drachtio protocol) 127.0.0.1:${p.sipdAdmin}, metrics http://127.0.0.1:${p.sipdMetrics}/metrics`,
    ],
  };
}

/** A self-signed certificate for sipd's WSS listener: localhost, 127.0.0.1, ::1 and the given names. */
function ensureWssCertificate(keyFile: string, certFile: string, names: string[]): Promise<void> {
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) return Promise.resolve();
  const san = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', ...names.map((n) => (net.isIP(n) ? `IP:${n}` : `DNS:${n}`))]);
  return new Promise((resolve, reject) => {
    execFile('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-subj', '/CN=localhost', '-addext', `subjectAltName=${[...san].join(',')}`, '-keyout', keyFile, '-out', certFile],
    (err, _out, stderr) => (err ? reject(new Error(`openssl (sipd WSS certificate): ${stderr.trim() || err.message}`)) : resolve()));
  });
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

/** UDP OPTIONS to sipd answered 200: only once an app (the registrar) routes OPTIONS. */
export function sipOptionsProbe(port: number, timeoutMs = 1000): ReadinessProbe {
  return {
    describe: `SIP OPTIONS answered 200 on udp 127.0.0.1:${port}`,
    check: () => new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      const done = (err?: Error): void => { clearTimeout(t); sock.close(); if (err) reject(err); else resolve(); };
      const t = setTimeout(() => done(new Error('no answer to OPTIONS')), timeoutMs);
      sock.on('message', (m) => {
        const status = /^SIP\/2\.0 (\d{3})/.exec(m.toString('latin1'))?.[1];
        if (status !== undefined && status !== '100') done(status === '200' ? undefined : new Error(`OPTIONS answered ${status}`));
      });
      sock.bind(0, '127.0.0.1', () => {
        const me = sock.address().port;
        const msg = [`OPTIONS sip:127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bKprobe${Date.now()};rport`,
          'Max-Forwards: 70', `From: <sip:probe@127.0.0.1>;tag=p${me}`, `To: <sip:127.0.0.1:${port}>`,
          `Call-ID: probe-${me}-${Date.now()}@127.0.0.1`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
        sock.send(msg, port, '127.0.0.1');
      });
    }),
  };
}

/**
 * The registrar (apps/registrar, a drachtio-srf app): connects to sipd's admin port with the
 * run's secret, bindings in Redis, accounts in MariaDB. Ready when sipd answers OPTIONS with 200,
 * which only happens once the registrar has routed OPTIONS.
 */
export function registrarService(ctx: StackContext): ServiceDefinition {
  return {
    name: 'registrar',
    command: process.execPath,
    args: [path.join(ctx.rootDir, 'apps', 'registrar', 'dist', 'src', 'main.js')],
    installHint: 'build it with `make build`',
    // Same config as the stack (file + environment); data dir and port base as the stack resolved them.
    env: { OPENLINE_DATA_DIR: ctx.config.dataDir, OPENLINE_PORT_BASE: String(ctx.ports.base), OPENLINE_LOG_LEVEL: ctx.config.log.level },
    dependsOn: ['sipd'],
    ports: [],
    ready: sipOptionsProbe(ctx.ports.sip),
    endpoints: [`registrar REGISTER/OPTIONS on sip:127.0.0.1:${ctx.ports.sip} (bindings in Redis 127.0.0.1:${ctx.ports.redis})`],
  };
}

/**
 * The accounts and provisioning API (apps/api, express) on the run's API port; MariaDB and Redis
 * of the run. Ready when its port accepts connections.
 */
export function apiService(ctx: StackContext): ServiceDefinition {
  return {
    name: 'api',
    command: process.execPath,
    args: [path.join(ctx.rootDir, 'apps', 'api', 'dist', 'src', 'main.js')],
    installHint: 'build it with `make build`',
    env: { OPENLINE_DATA_DIR: ctx.config.dataDir, OPENLINE_PORT_BASE: String(ctx.ports.base), OPENLINE_LOG_LEVEL: ctx.config.log.level },
    ports: [{ port: ctx.ports.api, proto: 'tcp' }],
    ready: tcpProbe(ctx.ports.api),
    endpoints: [
      `API       http://127.0.0.1:${ctx.ports.api}/v1 (OpenAPI: /v1/openapi.json)`,
      `Web phone http://127.0.0.1:${ctx.ports.api}/`,
    ],
  };
}

/**
 * UDP INVITE to sipd answered by an app (any final status but 503, which sipd sends while no app
 * routes INVITE): the B2BUA answers an unauthenticated INVITE with 407. No SDP: never a call.
 */
export function sipInviteProbe(port: number, timeoutMs = 1000): ReadinessProbe {
  return {
    describe: `SIP INVITE answered by the B2BUA on udp 127.0.0.1:${port}`,
    check: () => new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      const done = (err?: Error): void => { clearTimeout(t); sock.close(); if (err) reject(err); else resolve(); };
      const t = setTimeout(() => done(new Error('no answer to INVITE')), timeoutMs);
      sock.on('message', (m) => {
        const status = /^SIP\/2\.0 (\d{3})/.exec(m.toString('latin1'))?.[1];
        if (status === undefined || Number(status) < 200) return;
        const to = /^To:.*$/mi.exec(m.toString('latin1'))?.[0] ?? 'To: <sip:probe@127.0.0.1>';
        const ack = [`ACK sip:probe@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=${branch}`,
          'Max-Forwards: 70', `From: <sip:probe@127.0.0.1>;tag=p${sock.address().port}`, to, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n');
        sock.send(ack, port, '127.0.0.1', () => done(status === '503' ? new Error('INVITE answered 503 (no B2BUA yet)') : undefined));
      });
      const branch = `z9hG4bKprobe${Date.now()}`;
      const callId = `probe-${Date.now()}@127.0.0.1`;
      sock.bind(0, '127.0.0.1', () => {
        const me = sock.address().port;
        const msg = [`INVITE sip:probe@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=${branch};rport`,
          'Max-Forwards: 70', `From: <sip:probe@127.0.0.1>;tag=p${me}`, `To: <sip:probe@127.0.0.1:${port}>`,
          `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:probe@127.0.0.1:${me}>`, 'Content-Length: 0', '', ''].join('\r\n');
        sock.send(msg, port, '127.0.0.1');
      });
    }),
  };
}

/**
 * The B2BUA (apps/b2bua, a drachtio-srf app): routes INVITEs on sipd, media through this run's
 * rtpengine, CDRs through its durable spool (<dataDir>/spool/cdr) into MariaDB.
 */
export function b2buaService(ctx: StackContext): ServiceDefinition {
  return {
    name: 'b2bua',
    command: process.execPath,
    args: [path.join(ctx.rootDir, 'apps', 'b2bua', 'dist', 'src', 'main.js')],
    installHint: 'build it with `make build`',
    env: { OPENLINE_DATA_DIR: ctx.config.dataDir, OPENLINE_PORT_BASE: String(ctx.ports.base), OPENLINE_LOG_LEVEL: ctx.config.log.level },
    dependsOn: ['sipd'],
    ports: [],
    ready: sipInviteProbe(ctx.ports.sip),
    endpoints: [`b2bua     INVITE on sip:127.0.0.1:${ctx.ports.sip} (media: rtpengine 127.0.0.1:${ctx.ports.rtpengineNg})`],
  };
}

/** Project services of a default run, started after the infrastructure, in this order. */
export const PROJECT_SERVICES: readonly ServiceFactory[] = [
  sipdService,
  registrarService,
  b2buaService,
  apiService,
  ejabberdService,
  chatService,
];

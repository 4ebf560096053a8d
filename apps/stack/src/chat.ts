// Chat: ejabberd (Debian) with its config rendered from ejabberd/*.tmpl, then the project's chat
// service (apps/chat: the XEP-0114 component, push app server, archive watcher, retention job).
// ejabberdctl runs the node as the `ejabberd` user, so its directories under the data dir are
// owned by that user and the data dir itself must be traversable by it.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { API_USER, chatSettings, xmppEndpoints, xmppSecrets } from '@openline/chat/dist/src/settings';
import { StackError } from './errors';
import { ReadinessProbe } from './probes';
import { ServiceDefinition, StackContext } from './service';
import { renderTemplateFile } from './templates';

const EJABBERD_USER = 'ejabberd';

export interface EjabberdPaths {
  root: string;
  conf: string;
  spool: string;
  logs: string;
  config: string;
  ctlConfig: string;
  cert: string;
  extauthConfig: string;
}

export function ejabberdPaths(ctx: StackContext): EjabberdPaths {
  const root = path.join(ctx.paths.dataDir, 'ejabberd');
  const conf = path.join(root, 'conf');
  return {
    root, conf, spool: path.join(root, 'spool'), logs: path.join(root, 'logs'),
    config: path.join(conf, 'ejabberd.yml'), ctlConfig: path.join(conf, 'ejabberdctl.cfg'),
    cert: path.join(conf, 'server.pem'), extauthConfig: path.join(conf, 'extauth.json'),
  };
}

/**
 * The node name is the same for every run: without epmd (ERL_DIST_PORT) nodes are found by port,
 * not by name, and Mnesia's data under the spool dir is bound to the name, so a data dir stays
 * usable when the port base changes.
 */
export const EJABBERD_NODE = 'openline@localhost';

/** ejabberdctl's options naming this run's node, config and directories. */
export function ejabberdctlArgs(ctx: StackContext): string[] {
  const p = ejabberdPaths(ctx);
  return ['--node', EJABBERD_NODE, '--config', p.config, '--ctl-config', p.ctlConfig, '--spool', p.spool, '--logs', p.logs];
}

function exec(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, _out, stderr) => (err ? reject(new Error(`${cmd}: ${stderr.trim() || err.message}`)) : resolve()));
  });
}

/** A self-signed certificate for STARTTLS (key and certificate in one PEM, as ejabberd reads it). */
async function ensureCertificate(file: string, domain: string): Promise<void> {
  if (fs.existsSync(file)) return;
  const key = `${file}.key`;
  const crt = `${file}.crt`;
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', `/CN=${domain}`,
    '-addext', `subjectAltName=DNS:${domain},DNS:*.${domain},IP:127.0.0.1`, '-keyout', key, '-out', crt]);
  fs.writeFileSync(file, fs.readFileSync(key, 'utf8') + fs.readFileSync(crt, 'utf8'), { mode: 0o600 });
  fs.rmSync(key);
  fs.rmSync(crt);
}

/** Hands a tree to the ejabberd user, and lets it traverse (not list) the data dir. */
function giveToEjabberd(ctx: StackContext, root: string): void {
  if (process.getuid?.() !== 0) return; // not root: ejabberdctl itself will say it cannot switch user
  const mode = fs.statSync(ctx.paths.dataDir).mode & 0o777;
  if ((mode & 0o001) === 0) fs.chmodSync(ctx.paths.dataDir, mode | 0o001);
  const uid = Number(execFileSync('id', ['-u', EJABBERD_USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', EJABBERD_USER]).toString().trim());
  const walk = (p: string): void => {
    fs.chownSync(p, uid, gid);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) walk(path.join(p, f));
  };
  walk(root);
}

/**
 * Ready when the c2s listener answers a stream header with stream features offering STARTTLS:
 * the node has started, loaded its config and opened its listeners.
 */
export function xmppStreamProbe(port: number, domain: string, timeoutMs = 1000): ReadinessProbe {
  return {
    describe: `XMPP stream features with STARTTLS on 127.0.0.1:${port}`,
    check: () => new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      let buf = '';
      const done = (err?: Error): void => { clearTimeout(t); s.destroy(); if (err) reject(err); else resolve(); };
      const t = setTimeout(() => done(new Error('no stream features')), timeoutMs);
      s.once('connect', () => s.write(`<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' `
        + `xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`));
      s.on('data', (d) => {
        buf += d.toString('utf8');
        if (buf.includes('</stream:features>')) done(buf.includes('urn:ietf:params:xml:ns:xmpp-tls') ? undefined : new Error('no STARTTLS offered'));
      });
      s.once('error', (err) => done(err));
    }),
  };
}

function ejabberdLogLevel(level: string): string {
  return ({ trace: 'debug', debug: 'debug', info: 'info', warn: 'warning', error: 'error', fatal: 'critical', silent: 'none' } as Record<string, string>)[level] ?? 'info';
}

export function ejabberdService(ctx: StackContext): ServiceDefinition {
  const p = ctx.ports;
  const chat = chatSettings(ctx.config);
  const xs = xmppSecrets(ctx.secrets);
  const ep = xmppEndpoints(p);
  const dirs = ejabberdPaths(ctx);
  const extauth = path.join(ctx.rootDir, 'apps', 'chat', 'dist', 'src', 'extauth', 'main.js');
  return {
    name: 'ejabberd',
    command: path.join(ctx.rootDir, 'ejabberd', 'run.sh'),
    args: ejabberdctlArgs(ctx),
    installHint: 'Debian packages ejabberd and erlang-p1-mysql',
    dependsOn: ['mariadb'],
    ports: [p.xmppC2s, p.xmppHttp, p.xmppApi, p.xmppComponent, p.xmppDist].map((port) => ({ port, proto: 'tcp' as const })),
    ready: xmppStreamProbe(p.xmppC2s, chat.domain),
    startTimeoutMs: Math.max(60_000, ctx.config.stack.startTimeoutSeconds * 1000),
    prepare: async () => {
      if (!fs.existsSync(extauth)) throw new StackError(`ejabberd: ${extauth} is missing; build it with \`make build\``);
      for (const d of [dirs.conf, dirs.spool, dirs.logs]) fs.mkdirSync(d, { recursive: true });
      await ensureCertificate(dirs.cert, chat.domain);
      renderTemplateFile(ctx.rootDir, 'ejabberd/ejabberdctl.cfg.tmpl', dirs.ctlConfig, {
        node: EJABBERD_NODE, distPort: p.xmppDist,
      });
      fs.writeFileSync(dirs.extauthConfig, JSON.stringify({
        db: { host: '127.0.0.1', port: p.mariadb, user: ctx.config.database.user, password: ctx.secrets.databasePassword, database: ctx.config.database.name },
        apiUser: API_USER, apiPassword: xs.apiPassword,
      }), { mode: 0o600 });
      renderTemplateFile(ctx.rootDir, 'ejabberd/ejabberd.yml.tmpl', dirs.config, {
        host: chat.domain, mucHost: chat.mucHost, componentHost: chat.componentHost, componentSecret: xs.componentSecret,
        logLevel: ejabberdLogLevel(ctx.config.log.level), certFile: dirs.cert,
        extauthProgram: `${process.execPath} ${extauth} ${dirs.extauthConfig}`,
        mariadbPort: p.mariadb, dbName: ctx.config.database.name, dbUser: ctx.config.database.user, dbPassword: ctx.secrets.databasePassword,
        c2sPort: p.xmppC2s, httpPort: p.xmppHttp, apiPort: p.xmppApi, componentPort: p.xmppComponent,
        maxStanzaSize: chat.maxStanzaSize, c2sRate: chat.c2sRate, c2sBurst: chat.c2sBurst,
        maxGroupMembers: chat.maxGroupMembers, apiUser: API_USER,
      });
      giveToEjabberd(ctx, dirs.root);
    },
    endpoints: [
      `XMPP      c2s 127.0.0.1:${ep.c2s.port} (STARTTLS), WebSocket ${ep.websocketUrl}, domain ${chat.domain}, MUC ${chat.mucHost}`,
      `ejabberd  component 127.0.0.1:${ep.component.port} (${chat.componentHost}), REST API ${ep.apiUrl} (loopback)`,
    ],
  };
}

/** Ready once the component has completed its XEP-0114 handshake (it writes this file then). */
export function chatReadyFile(ctx: StackContext): string {
  return path.join(ctx.paths.runDir, 'chat.ready');
}

function fileProbe(file: string): ReadinessProbe {
  return {
    describe: `chat component online (${file})`,
    check: async () => { if (!fs.existsSync(file)) throw new Error('component not connected yet'); },
  };
}

/** apps/chat's service: the component (system messages, push app server), archive watcher, retention job. */
export function chatService(ctx: StackContext): ServiceDefinition {
  const ready = chatReadyFile(ctx);
  return {
    name: 'chat',
    command: process.execPath,
    args: [path.join(ctx.rootDir, 'apps', 'chat', 'dist', 'src', 'main.js')],
    installHint: 'build it with `make build`',
    env: {
      OPENLINE_DATA_DIR: ctx.config.dataDir, OPENLINE_PORT_BASE: String(ctx.ports.base), OPENLINE_LOG_LEVEL: ctx.config.log.level,
      CHAT_READY_FILE: ready,
    },
    dependsOn: ['ejabberd'],
    ports: [],
    ready: fileProbe(ready),
    prepare: async () => { fs.rmSync(ready, { force: true }); },
    endpoints: [`chat      component ${chatSettings(ctx.config).componentHost} (system messages, XEP-0357 push app server)`],
  };
}

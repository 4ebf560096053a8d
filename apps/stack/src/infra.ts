// The third-party services every run needs: MariaDB, Redis, rtpengine, coturn. All listen on
// 127.0.0.1 only, on ports from the run's base, with data under the run's data dir.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootstrapDatabase } from './database';
import { StackError } from './errors';
import { mariadbProbe, redisProbe, rtpengineProbe, stunProbe } from './probes';
import { ServiceDefinition, StackContext } from './service';
import { renderTemplateFile } from './templates';

/** Unix socket paths are limited to 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 107;

export function mariadbSocket(ctx: StackContext): string {
  return path.join(ctx.paths.runDir, 'mariadb.sock');
}

function run(cmd: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      fs.appendFileSync(logFile, stdout + stderr);
      if (err) reject(err); else resolve();
    });
  });
}

export function mariadbService(ctx: StackContext): ServiceDefinition {
  const dataDir = path.join(ctx.paths.dataDir, 'mariadb');
  const socket = mariadbSocket(ctx);
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  return {
    name: 'mariadb',
    command: 'mariadbd',
    installHint: 'Debian package mariadb-server',
    args: [
      '--no-defaults', `--datadir=${dataDir}`, ...asRoot, '--bind-address=127.0.0.1', `--port=${ctx.ports.mariadb}`,
      `--socket=${socket}`, `--pid-file=${path.join(ctx.paths.runDir, 'mariadb.daemon.pid')}`, '--skip-name-resolve',
      '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--innodb-buffer-pool-size=64M',
      '--max-connections=300',
      // Temp tables under the run's own data dir: tools that clean /tmp cannot pull them away.
      `--tmpdir=${path.join(ctx.paths.dataDir, 'mariadb-tmp')}`,
    ],
    ports: [{ port: ctx.ports.mariadb, proto: 'tcp' }],
    ready: mariadbProbe(socket),
    prepare: async () => {
      if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
        throw new StackError(`data dir ${ctx.paths.dataDir} is too deep for MariaDB's socket path (${socket}); use a shorter dataDir`);
      }
      fs.mkdirSync(path.join(ctx.paths.dataDir, 'mariadb-tmp'), { recursive: true });
      // Initialise once; later runs reuse the data.
      if (fs.existsSync(path.join(dataDir, 'mysql'))) return;
      fs.mkdirSync(dataDir, { recursive: true });
      const log = path.join(ctx.paths.logDir, 'mariadb-install.log');
      try {
        await run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, ...asRoot,
          '--auth-root-authentication-method=normal', '--skip-test-db'], log);
      } catch (err) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        throw new StackError(`mariadb-install-db failed (${(err as Error).message.split('\n')[0]}); see ${log}`);
      }
    },
    afterReady: async () => { await bootstrapDatabase(ctx, socket); },
    endpoints: [`MariaDB   127.0.0.1:${ctx.ports.mariadb} database=${ctx.config.database.name} user=${ctx.config.database.user} (password in secrets)`],
  };
}

export function redisService(ctx: StackContext): ServiceDefinition {
  const dir = path.join(ctx.paths.dataDir, 'redis');
  return {
    name: 'redis',
    command: 'redis-server',
    installHint: 'Debian package redis-server',
    args: ['--bind', '127.0.0.1', '--port', String(ctx.ports.redis), '--save', '', '--appendonly', 'no', '--dir', dir,
      '--daemonize', 'no', '--logfile', '', '--protected-mode', 'yes'],
    ports: [{ port: ctx.ports.redis, proto: 'tcp' }],
    ready: redisProbe(ctx.ports.redis),
    prepare: async () => { fs.mkdirSync(dir, { recursive: true }); },
    endpoints: [`Redis     redis://127.0.0.1:${ctx.ports.redis}`],
  };
}

export function rtpengineService(ctx: StackContext): ServiceDefinition {
  const conf = path.join(ctx.paths.confDir, 'rtpengine.conf');
  return {
    name: 'rtpengine',
    command: 'rtpengine',
    installHint: 'Debian package rtpengine-daemon',
    // Always --config-file: without it rtpengine reads /etc/rtpengine/rtpengine.conf.
    args: [`--config-file=${conf}`],
    ports: [{ port: ctx.ports.rtpengineNg, proto: 'udp' }],
    ready: rtpengineProbe(ctx.ports.rtpengineNg),
    prepare: async () => {
      fs.mkdirSync(path.join(ctx.paths.dataDir, 'recordings'), { recursive: true });
      renderTemplateFile(ctx.rootDir, 'rtpengine/rtpengine.conf.tmpl', conf, {
        ngPort: ctx.ports.rtpengineNg, rtpMin: ctx.ports.rtpMin, rtpMax: ctx.ports.rtpMax,
        logLevel: ctx.config.rtpengine.logLevel, dataDir: ctx.paths.dataDir,
      });
    },
    endpoints: [`rtpengine ng udp 127.0.0.1:${ctx.ports.rtpengineNg}, RTP ${ctx.ports.rtpMin}-${ctx.ports.rtpMax}`],
  };
}

export function coturnService(ctx: StackContext): ServiceDefinition {
  const conf = path.join(ctx.paths.confDir, 'turnserver.conf');
  return {
    name: 'coturn',
    command: 'turnserver',
    installHint: 'Debian package coturn',
    args: ['-c', conf],
    ports: [{ port: ctx.ports.turn, proto: 'udp' }, { port: ctx.ports.turn, proto: 'tcp' }],
    ready: stunProbe(ctx.ports.turn),
    prepare: async () => {
      fs.mkdirSync(path.join(ctx.paths.dataDir, 'coturn'), { recursive: true });
      renderTemplateFile(ctx.rootDir, 'coturn/turnserver.conf.tmpl', conf, {
        turnPort: ctx.ports.turn, relayMin: ctx.ports.turnRelayMin, relayMax: ctx.ports.turnRelayMax,
        staticAuthSecret: ctx.secrets.turnStaticAuthSecret, realm: ctx.config.turn.realm,
        loopbackPeers: ctx.config.turn.allowLoopbackPeers ? 'allow-loopback-peers' : '# loopback peers not allowed',
        dataDir: ctx.paths.dataDir, runDir: ctx.paths.runDir,
      });
    },
    endpoints: [`TURN      turn:127.0.0.1:${ctx.ports.turn}?transport=udp|tcp realm=${ctx.config.turn.realm}, relay ${ctx.ports.turnRelayMin}-${ctx.ports.turnRelayMax}`],
  };
}

/** Always started first, in this order. */
export const INFRASTRUCTURE = [mariadbService, redisService, rtpengineService, coturnService] as const;

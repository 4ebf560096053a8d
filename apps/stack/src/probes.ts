// Readiness probes: each resolves when the service really answers (not just when its port is
// bound) and rejects otherwise; the supervisor retries until the service's start timeout.
import * as net from 'node:net';
import * as mariadb from 'mariadb';
import { Client as NgClient } from 'rtpengine-client';
import { stunBinding } from './stun';

export interface ReadinessProbe {
  /** What is probed, for messages: "ng ping on 127.0.0.1:35023". */
  describe: string;
  check(): Promise<void>;
}

export function tcpProbe(port: number, host = '127.0.0.1', timeoutMs = 1000): ReadinessProbe {
  return {
    describe: `TCP connect to ${host}:${port}`,
    check: () => new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      const t = setTimeout(() => { s.destroy(); reject(new Error('connect timeout')); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); s.end(); resolve(); });
      s.once('error', (err) => { clearTimeout(t); s.destroy(); reject(err); });
    }),
  };
}

/** Redis: PING answered with +PONG. */
export function redisPing(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    let buf = '';
    const done = (err?: Error): void => { clearTimeout(t); s.destroy(); if (err) reject(err); else resolve(); };
    const t = setTimeout(() => done(new Error('no PONG')), timeoutMs);
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') ? undefined : new Error(`redis answered ${buf.trim()}`));
    });
    s.once('error', (err) => done(err));
  });
}

export function redisProbe(port: number): ReadinessProbe {
  return { describe: `Redis PING on 127.0.0.1:${port}`, check: () => redisPing(port) };
}

/** MariaDB: connect (as root, over the private socket) and SELECT 1. */
export function mariadbProbe(socketPath: string): ReadinessProbe {
  return {
    describe: `MariaDB connect + SELECT 1 on ${socketPath}`,
    check: async () => {
      const conn = await mariadb.createConnection({ socketPath, user: 'root', connectTimeout: 1000 });
      try {
        await conn.query('SELECT 1');
      } finally {
        await conn.end().catch(() => undefined);
      }
    },
  };
}

/** rtpengine: ng `ping` answered with `pong`. */
export async function rtpenginePing(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<void> {
  const client = new NgClient({ localPort: 0, localAddress: '127.0.0.1', timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await new Promise<void>((r) => client.on('listening', r));
    const res = await client.ping(port, host);
    if (res.result !== 'pong') throw new Error(`rtpengine answered ${JSON.stringify(res)}`);
  } finally {
    client.close();
  }
}

export function rtpengineProbe(port: number): ReadinessProbe {
  return { describe: `rtpengine ng ping on 127.0.0.1:${port}`, check: () => rtpenginePing(port) };
}

/** coturn: a STUN Binding request answered (UDP). */
export function stunProbe(port: number): ReadinessProbe {
  return { describe: `STUN binding request to 127.0.0.1:${port}`, check: async () => { await stunBinding(port, '127.0.0.1', 800); } };
}

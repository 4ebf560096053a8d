// Bench fixtures: a private stack (MariaDB + Redis + the rest of the infrastructure, no project
// services) in a temp dir, N accounts bulk-inserted the way AccountRepo stores them (HA1 MD5 and
// SHA-256, sealed password), and — for Kamailio's auth_db only — a `subscriber` VIEW over them.
// Nothing here touches the product schema (db/migrations).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { computeHa1, encryptSecret } from '@openline/db';
import { startStack, type StackHandle } from '@openline/stack';

export const BENCH_DOMAIN = 'bench.registrar.test';

export function benchUser(i: number): string {
  return `b${100000 + i}`;
}

export function benchPassword(user: string): string {
  return `pw-${user}`;
}

export async function startBenchStack(portBase: number): Promise<StackHandle> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ol-regbench-'));
  return startStack({ dataDir, portBase, services: [], overrides: { log: { level: 'warn' } } });
}

/** Inserts accounts benchUser(from..to-1) in batches (skips existing ones). */
export async function createAccounts(stack: StackHandle, from: number, to: number): Promise<void> {
  const db = stack.dbPool();
  await db.query('INSERT IGNORE INTO domains (name) VALUES (?)', [BENCH_DOMAIN]);
  const [{ id }] = await db.query<Array<{ id: number }>>('SELECT id FROM domains WHERE name = ?', [BENCH_DOMAIN]);
  for (let start = from; start < to; start += 1000) {
    const rows: unknown[] = [];
    const marks: string[] = [];
    for (let i = start; i < Math.min(to, start + 1000); i++) {
      const u = benchUser(i);
      const pw = benchPassword(u);
      marks.push('(?, ?, ?, ?, ?)');
      rows.push(id, u, computeHa1(u, BENCH_DOMAIN, pw, 'MD5'), computeHa1(u, BENCH_DOMAIN, pw, 'SHA-256'),
        encryptSecret(stack.secrets.sipPasswordKey, pw, 'account-sip-password'));
    }
    await db.query(`INSERT IGNORE INTO accounts (domain_id, username, ha1_md5, ha1_sha256, sip_password_enc) VALUES ${marks.join(', ')}`, rows);
  }
}

/**
 * Kamailio auth_db's table shape (username, domain, ha1) as a view over openline's accounts, and
 * the `version` row Kamailio checks at start (subscriber schema version 7 in Kamailio 5.6).
 */
export async function createSubscriberView(stack: StackHandle): Promise<void> {
  const db = stack.dbPool();
  await db.query(`CREATE TABLE IF NOT EXISTS version (table_name VARCHAR(32) NOT NULL PRIMARY KEY,
    table_version INT UNSIGNED NOT NULL DEFAULT 0)`);
  await db.query("INSERT IGNORE INTO version (table_name, table_version) VALUES ('subscriber', 7)");
  await db.query(`CREATE OR REPLACE VIEW subscriber AS
    SELECT a.id, a.username, d.name AS domain, a.ha1_md5 AS ha1, a.ha1_sha256 AS ha1b
    FROM accounts a JOIN domains d ON d.id = a.domain_id`);
}

export function kamailioDbUrl(stack: StackHandle): string {
  return `mysql://${stack.config.database.user}:${encodeURIComponent(stack.secrets.databasePassword)}@127.0.0.1:${stack.ports.mariadb}/${stack.config.database.name}`;
}

/** SIPp injection file: user; whole [authentication] keyword; expires. */
export function usersFile(from: number, to: number, expires: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'regbench-users-'));
  const file = path.join(dir, 'users.csv');
  const lines = ['SEQUENTIAL'];
  for (let i = from; i < to; i++) {
    const u = benchUser(i);
    lines.push(`${u};[authentication username=${u} password=${benchPassword(u)}];${expires};`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Pins every thread of the stack's MariaDB and Redis to the server core (server side = one core). */
export function pinStores(stack: StackHandle, cpu: string): void {
  const pids = stack.pids();
  for (const name of ['mariadb', 'redis']) {
    const pid = pids[name];
    if (pid) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
  }
}

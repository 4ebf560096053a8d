// The shared stack's components are real and reachable: schema in MariaDB, Redis PING, rtpengine
// ng ping, coturn allocations with TURN REST credentials.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { Client as NgClient } from 'rtpengine-client';
import { AccountRepo, computeHa1 } from '@openline/db';
import { isOurProcess, PROJECT_SERVICES, StackHandle, stunBinding, turnAllocate, turnRestCredentials } from '@openline/stack';
import { getSharedStack } from '../support/stack';

describe('stack: the shared stack is up', function () {
  let stack: StackHandle;
  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
  });

  it('runs every infrastructure service and the project services, each with a pid file and a log file', () => {
    const pids = stack.pids();
    const project = PROJECT_SERVICES.map((f) => f(stack).name);
    const commands: Record<string, string> = { coturn: 'turnserver', mariadb: 'mariadbd', redis: 'redis-server', rtpengine: 'rtpengine' };
    assert.deepEqual(Object.keys(pids).sort(), ['coturn', 'mariadb', 'redis', 'rtpengine', ...project].sort());
    for (const [name, pid] of Object.entries(pids)) {
      assert.equal(fs.readFileSync(path.join(stack.paths.runDir, `${name}.pid`), 'utf8').trim(), String(pid));
      assert.ok(fs.statSync(path.join(stack.paths.logDir, `${name}.log`)).size > 0, `${name}.log is empty`);
      const command = commands[name] ?? PROJECT_SERVICES.map((f) => f(stack)).find((d) => d.name === name)?.command ?? name;
      assert.ok(isOurProcess(pid, command), `${name} (${pid}) runs ${command}`);
    }
  });

  it('keeps generated secrets in <dataDir>/secrets.json with mode 0600', () => {
    const file = path.join(stack.config.dataDir, 'secrets.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    assert.equal(stored.turnStaticAuthSecret, stack.secrets.turnStaticAuthSecret);
  });
});

describe('stack: MariaDB', function () {
  let stack: StackHandle;
  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
  });

  it('has the core tables after the migrations ran', async () => {
    const rows = await stack.dbPool().query<Array<{ name: string }>>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
      [stack.config.database.name]);
    const names = rows.map((r) => r.name);
    for (const t of ['accounts', 'devices', 'dialplan_rules', 'domains', 'numbers', 'schema_migrations', 'trunk_sources', 'trunks']) {
      assert.ok(names.includes(t), `table ${t} is missing (have ${names.join(', ')})`);
    }
  });

  it('records each applied migration with its checksum', async () => {
    const rows = await stack.dbPool().query<Array<{ version: number; name: string; checksum: string }>>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    assert.equal(rows[0].version, 1);
    assert.equal(rows[0].name, 'core');
    assert.match(rows[0].checksum, /^[0-9a-f]{64}$/);
  });

  it('answers COUNT(*) as a number through the pool (bigIntAsNumber)', async () => {
    const [row] = await stack.dbPool().query<Array<{ n: unknown }>>('SELECT COUNT(*) AS n FROM schema_migrations');
    assert.equal(typeof row.n, 'number');
  });

  it('enforces E.164 on numbers in the schema itself (CHECK constraint), not only in code', async () => {
    const accounts = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, 'schema.test');
    const { account } = await accounts.add({ username: `check${process.pid}` });
    await assert.rejects(
      stack.dbPool().query('INSERT INTO numbers (e164, account_id) VALUES (?, ?)', ['12345', account.id]),
      /CONSTRAINT `ck_numbers_e164` failed/);
    await accounts.remove(`${account.username}@${account.domain}`);
  });

  it('stores the SIP password only as HA1 values and an AES-GCM sealed copy', async () => {
    const accounts = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, 'schema.test');
    const { account } = await accounts.add({ username: `seal${process.pid}`, password: 'open-sesame-1' });
    const [row] = await stack.dbPool().query<Array<Record<string, string>>>(
      'SELECT ha1_md5, ha1_sha256, sip_password_enc FROM accounts WHERE id = ?', [account.id]);
    assert.equal(row.ha1_md5, computeHa1(account.username, 'schema.test', 'open-sesame-1', 'MD5'));
    assert.equal(row.ha1_sha256, computeHa1(account.username, 'schema.test', 'open-sesame-1', 'SHA-256'));
    assert.equal(row.sip_password_enc.includes('open-sesame'), false);
    assert.equal(await accounts.sipPassword(`${account.username}@schema.test`), 'open-sesame-1');
    const digest = await accounts.digestCredentials(account.username, 'schema.test');
    assert.deepEqual(digest, { ha1Md5: row.ha1_md5, ha1Sha256: row.ha1_sha256, status: 'active' });
    assert.equal(await accounts.digestCredentials('nobody', 'schema.test'), undefined);
    await accounts.remove(`${account.username}@schema.test`);
  });

  it('checks a web password against its scrypt hash, only for active accounts', async () => {
    const accounts = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, 'schema.test');
    const ref = `web${process.pid}@schema.test`;
    await accounts.add({ username: `web${process.pid}`, webPassword: 'web-secret-1' });
    const [row] = await stack.dbPool().query<Array<{ password_hash: string }>>(
      'SELECT a.password_hash FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE a.username = ? AND d.name = ?',
      [`web${process.pid}`, 'schema.test']);
    assert.match(row.password_hash, /^scrypt\$N=\d+,r=\d+,p=\d+\$/);
    assert.equal((await accounts.verifyWebPassword(ref, 'web-secret-1'))?.username, `web${process.pid}`);
    assert.equal(await accounts.verifyWebPassword(ref, 'web-secret-2'), undefined);
    await accounts.update(ref, { status: 'disabled' });
    assert.equal(await accounts.verifyWebPassword(ref, 'web-secret-1'), undefined);
    await accounts.remove(ref);
  });
});

describe('stack: Redis', function () {
  let stack: StackHandle;
  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
  });

  it('answers PING with PONG on 127.0.0.1:<base+7>', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describe('stack: rtpengine', function () {
  let stack: StackHandle;
  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
  });

  it('answers an ng ping with pong through rtpengine-client', async () => {
    const client = new NgClient({ localPort: 0, localAddress: '127.0.0.1', timeout: 2000 });
    try {
      await new Promise<void>((r) => client.on('listening', r));
      const res = await client.ping(stack.ports.rtpengineNg, '127.0.0.1');
      assert.equal(res.result, 'pong');
    } finally {
      client.close();
    }
  });
});

describe('stack: coturn (TURN REST credentials, RFC 8656)', function () {
  let stack: StackHandle;
  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
  });

  it('answers a STUN Binding request with the mapped address', async () => {
    assert.match(await stunBinding(stack.ports.turn), /^127\.0\.0\.1:\d+$/);
  });

  it('grants an allocation for username "<expiry>:<user>" and base64(HMAC-SHA1(secret, username))', async () => {
    const cred = turnRestCredentials(stack.secrets.turnStaticAuthSecret, 'alice', 600);
    assert.match(cred.username, /^\d+:alice$/);
    const res = await turnAllocate(stack.ports.turn, cred.username, cred.password);
    assert.equal(res.ok, true, `allocation failed with ${res.error}`);
    const port = Number(res.relayed?.split(':')[1]);
    assert.ok(port >= stack.ports.turnRelayMin && port <= stack.ports.turnRelayMax, `relay port ${port} outside the run's range`);
  });

  it('refuses a wrong password with 401', async () => {
    const cred = turnRestCredentials(stack.secrets.turnStaticAuthSecret, 'alice', 600);
    const res = await turnAllocate(stack.ports.turn, cred.username, `${cred.password}x`);
    assert.deepEqual(res, { ok: false, error: 401 });
  });

  it('refuses credentials signed with another secret and expired credentials', async () => {
    const other = turnRestCredentials('not-the-configured-secret', 'alice', 600);
    assert.equal((await turnAllocate(stack.ports.turn, other.username, other.password)).ok, false);
    const expired = turnRestCredentials(stack.secrets.turnStaticAuthSecret, 'alice', -60);
    assert.equal((await turnAllocate(stack.ports.turn, expired.username, expired.password)).ok, false);
  });
});

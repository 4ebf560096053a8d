// The supervisor's life cycle on a stack of this suite's own (the run's second port base): stop
// leaves nothing alive and frees every port, a second run reuses the data, and every bad start
// fails in one line with nothing left running.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '@openline/config';
import { AccountRepo } from '@openline/db';
import {
  isRunning, portFree, PortClaim, PROJECT_SERVICES, readManifest, ServiceFactory, StackError, StackHandle, startStack, tcpProbe,
} from '@openline/stack';
import { getSharedStack, repoRoot, secondaryPortBase, stackEnv, tempDataDir } from '../support/stack';

function claims(h: StackHandle): PortClaim[] {
  const p = h.ports;
  return [
    { port: p.mariadb, proto: 'tcp' }, { port: p.redis, proto: 'tcp' }, { port: p.rtpengineNg, proto: 'udp' },
    { port: p.turn, proto: 'udp' }, { port: p.turn, proto: 'tcp' },
  ];
}

async function assertAllGone(pids: number[], ports: PortClaim[]): Promise<void> {
  for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} is still alive`);
  for (const c of ports) assert.equal(await portFree(c), true, `port ${c.port}/${c.proto} is still taken`);
}

function stackCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot(), 'apps', 'stack', 'dist', 'src', 'main.js'), ...args],
      { env, timeout: 90000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }));
  });
}

describe('stack lifecycle: start, stop, restart', function () {
  this.timeout(120000);
  const dataDir = tempDataDir('life');
  const base = secondaryPortBase();
  let firstSecrets: Record<string, string>;

  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('stops every process by pid on stop() and frees every port', async () => {
    const h = await startStack({ dataDir, portBase: base });
    const pids = Object.values(h.pids());
    const expected = ['mariadb', 'redis', 'rtpengine', 'coturn', ...PROJECT_SERVICES.map((f) => f(h).name)];
    assert.deepEqual(Object.keys(h.pids()).sort(), [...expected].sort());
    firstSecrets = { ...h.secrets };
    await new AccountRepo(h.dbPool(), h.secrets.sipPasswordKey, 'life.test').add({ username: 'persisted', password: 'persisted-pw-1' });
    await h.stop();
    await assertAllGone(pids, claims(h));
    assert.equal(readManifest(h.paths.runDir), undefined, 'the manifest is removed');
    assert.deepEqual(fs.readdirSync(h.paths.runDir).filter((f) => f.endsWith('.pid') && !f.includes('daemon')), []);
  });

  it('a second run reuses the data dir: same database content, same secrets', async () => {
    const h = await startStack({ dataDir, portBase: base });
    try {
      assert.deepEqual({ ...h.secrets }, firstSecrets);
      const accounts = new AccountRepo(h.dbPool(), h.secrets.sipPasswordKey, 'life.test');
      assert.equal(await accounts.sipPassword('persisted@life.test'), 'persisted-pw-1');
      // A second supervisor on the same data dir is refused while this one runs.
      await assert.rejects(startStack({ dataDir, portBase: base }), (err: unknown) => {
        assert.ok(err instanceof StackError);
        assert.match(err.message, /^stack: a stack is already running with data dir .* run `make stop` first$/);
        return true;
      });
    } finally {
      const pids = Object.values(h.pids());
      await h.stop();
      await assertAllGone(pids, claims(h));
    }
  });

  it('CLI: `run --detach` prints the endpoints and `stop` stops it by its pid files', async () => {
    const env = { ...stackEnv({ config: { dataDir, ports: { base } } as StackHandle['config'] }), OPENLINE_LOG__CONSOLE: 'false' };
    const up = await stackCli(env, 'run', '--detach');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /openline stack is up \(ports \d+-\d+/);
    assert.match(up.stdout, new RegExp(`TURN +turn:127\\.0\\.0\\.1:${base + 78}`));
    assert.match(up.stdout, new RegExp(`MariaDB +127\\.0\\.0\\.1:${base + 6}`));
    const m = readManifest(path.join(dataDir, 'run'));
    assert.ok(m && m.state === 'ready');
    const pids = [m.supervisorPid, ...m.services.map((s) => s.pid)];
    const status = await stackCli(env, 'status', '--json');
    const alive = (JSON.parse(status.stdout) as { services: Array<{ alive: boolean }> }).services.map((s) => s.alive);
    if (alive.some((a) => !a)) await stackCli(env, 'stop'); // leave nothing running when failing
    assert.equal(alive.length, 4 + PROJECT_SERVICES.length, 'infrastructure + project services');
    assert.ok(alive.every((a) => a), `every service alive: ${JSON.stringify(alive)}`);
    const down = await stackCli(env, 'stop');
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^stack: stopped supervisor \(\d+\)/);
    await assertAllGone(pids, m.services.length ? [{ port: base + 6, proto: 'tcp' }, { port: base + 78, proto: 'udp' }] : []);
    assert.equal((await stackCli(env, 'status')).code, 3);
  });
});

describe('stack lifecycle: bad input fails in one line with nothing left running', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  const dir = (): string => { const d = tempDataDir('bad'); dirs.push(d); return d; };
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('refuses a port already in use, naming the port and the service', async function () {
    this.timeout(120000);
    const shared = await getSharedStack();
    const d = dir();
    await assert.rejects(startStack({ dataDir: d, portBase: shared.ports.base }), (err: unknown) => {
      assert.ok(err instanceof StackError);
      assert.match(err.message, new RegExp(`^stack: port ${shared.ports.mariadb}/tcp \\(mariadb\\) is already in use on 127\\.0\\.0\\.1; `));
      assert.equal(err.message.includes('\n'), false);
      return true;
    });
    assert.equal(readManifest(path.join(d, 'run')), undefined);
    assert.equal(fs.existsSync(path.join(d, 'mariadb')), false, 'nothing was initialised');
  });

  it('names a missing binary and how to install it', async () => {
    const missing: ServiceFactory = () => ({
      name: 'ghost', command: 'openline-no-such-binary', args: [], ports: [], ready: tcpProbe(1), installHint: 'Debian package ghost',
    });
    await assert.rejects(startStack({ dataDir: dir(), portBase: secondaryPortBase(), infrastructure: false, services: [missing] }),
      /^StackError: stack: ghost: openline-no-such-binary not found \(Debian package ghost\); run `make deps`$/);
  });

  it('stops a service that does not become ready within its timeout, and says which probe failed', async () => {
    const d = dir();
    const pidFile = path.join(d, 'slow.pid');
    const port = secondaryPortBase() + 95;
    const slow: ServiceFactory = () => ({
      name: 'slow', command: '/bin/sh', args: ['-c', `echo $$ > ${pidFile}; exec sleep 60`], ports: [],
      ready: tcpProbe(port), startTimeoutMs: 1000, stopTimeoutMs: 2000,
    });
    await assert.rejects(startStack({ dataDir: d, portBase: secondaryPortBase(), infrastructure: false, services: [slow] }), (err: unknown) => {
      assert.ok(err instanceof StackError);
      assert.match(err.message, new RegExp(`^stack: slow did not become ready within 1s \\(TCP connect to 127\\.0\\.0\\.1:${port}: .*\\); see .*slow\\.log$`));
      return true;
    });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.equal(isRunning(pid), false, 'the slow service was stopped');
  });

  it('reports a service that exits before it is ready, with its last output line', async () => {
    const crash: ServiceFactory = () => ({
      name: 'crash', command: '/bin/sh', args: ['-c', 'echo "fatal: cannot bind" >&2; exit 3'], ports: [], ready: tcpProbe(1),
    });
    await assert.rejects(startStack({ dataDir: dir(), portBase: secondaryPortBase(), infrastructure: false, services: [crash] }),
      /^StackError: stack: crash exited \(code 3\) before it was ready: "fatal: cannot bind"; see .*crash\.log$/);
  });

  it('stops what already started when a later service fails (reverse order, nothing left)', async () => {
    const d = dir();
    const pidFile = path.join(d, 'first.pid');
    const first: ServiceFactory = () => ({
      name: 'first', command: '/bin/sh', args: ['-c', `echo $$ > ${pidFile}; exec sleep 60`], ports: [], ready: { describe: 'always', check: async () => undefined },
    });
    const second: ServiceFactory = () => ({
      name: 'second', command: '/bin/sh', args: ['-c', 'exit 1'], ports: [], ready: tcpProbe(1), dependsOn: ['first'],
    });
    await assert.rejects(startStack({ dataDir: d, portBase: secondaryPortBase(), infrastructure: false, services: [second, first] }),
      /second exited \(code 1\)/);
    assert.equal(isRunning(Number(fs.readFileSync(pidFile, 'utf8'))), false);
  });

  it('reports a service that dies after it was ready (unexpectedExit) and stop() still cleans up', async () => {
    const flaky: ServiceFactory = () => ({
      name: 'flaky', command: '/bin/sh', args: ['-c', 'sleep 0.3; exit 4'], ports: [], ready: { describe: 'always', check: async () => undefined },
    });
    const h = await startStack({ dataDir: dir(), portBase: secondaryPortBase(), infrastructure: false, services: [flaky] });
    const dead = await h.unexpectedExit;
    assert.deepEqual(dead, { name: 'flaky', code: 4, signal: null });
    await h.stop();
    assert.equal(readManifest(h.paths.runDir), undefined);
  });

  it('refuses a broken config, naming the key', async () => {
    await assert.rejects(startStack({ dataDir: dir(), portBase: 70000 }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'config: ports.base must be an integer 1024..60000');
      return true;
    });
    await assert.rejects(startStack({ dataDir: dir(), overrides: { turn: { realm: 'bad realm!' } } }),
      /^ConfigError: config: turn\.realm must be a hostname or IP address$/);
  });

  it('CLI: a bad environment value stops `run` with one line naming the key and variable', async () => {
    const env = { ...stackEnv({ config: { dataDir: dir(), ports: { base: secondaryPortBase() } } as StackHandle['config'] }), OPENLINE_PORT_BASE: 'abc' };
    const r = await stackCli(env, 'run');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'config: ports.base must be an integer 1024..60000 (from OPENLINE_PORT_BASE)\n');
  });
});

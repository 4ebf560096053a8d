import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  ConfigError, configSchema, envNameToPath, findRootDir, loadConfig, portsFromBase, resolveSecrets, SECRET_NAMES,
} from '../src';

const made: string[] = [];
function track(dir: string): string {
  made.push(dir);
  return dir;
}
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  return track(fs.mkdtempSync(path.join(os.tmpdir(), 'openline-config-')));
}

function writeYaml(dir: string, text: string): string {
  const f = path.join(dir, 'openline.yaml');
  fs.writeFileSync(f, text);
  return f;
}

describe('config: ports', () => {
  it('derives every port from the base at its fixed offset', () => {
    const p = portsFromBase(35000);
    assert.equal(p.sip, 35060);
    assert.equal(p.sipTls, 35061);
    assert.equal(p.ws, 35062);
    assert.equal(p.wss, 35063);
    assert.equal(p.sipdAdmin, 35022);
    assert.equal(p.sipdMetrics, 35090);
    assert.equal(p.mariadb, 35006);
    assert.equal(p.redis, 35007);
    assert.equal(p.rtpengineNg, 35023);
    assert.equal(p.turn, 35078);
    assert.equal(p.api, 35080);
    assert.deepEqual([p.rtpMin, p.rtpMax, p.turnRelayMin, p.turnRelayMax], [36000, 36999, 37000, 37999]);
  });

  it('keeps a run inside base..base+2999', () => {
    const p = portsFromBase(40000);
    for (const v of Object.values(p)) assert.ok(v >= 40000 && v <= 42999, String(v));
  });

  it('rejects a base outside 1024..60000', () => {
    assert.throws(() => portsFromBase(60001), RangeError);
    assert.throws(() => portsFromBase(1023.5), RangeError);
  });
});

describe('config: loading', () => {
  it('uses the defaults when there is no file and no environment', () => {
    const root = tmpDir();
    const { config, file } = loadConfig({ rootDir: root, env: {} });
    assert.equal(file, undefined);
    assert.equal(config.ports.base, 35000);
    assert.equal(config.dataDir, path.join(root, 'var'));
    assert.equal(config.secrets.generate, true);
  });

  it('reads config/openline.yaml from the root when present', () => {
    const root = tmpDir();
    fs.mkdirSync(path.join(root, 'config'));
    fs.writeFileSync(path.join(root, 'config', 'openline.yaml'), 'ports:\n  base: 41000\n');
    const { config, file } = loadConfig({ rootDir: root, env: {} });
    assert.equal(file, path.join(root, 'config', 'openline.yaml'));
    assert.equal(config.ports.base, 41000);
  });

  it('lets the environment override the file, with aliases and the __ scheme', () => {
    const root = tmpDir();
    const f = writeYaml(root, 'ports:\n  base: 41000\nturn:\n  realm: file.example\n');
    const { config } = loadConfig({
      rootDir: root, configFile: f,
      env: {
        OPENLINE_PORT_BASE: '44000', OPENLINE_DATA_DIR: '/tmp/x', OPENLINE_TURN__REALM: 'env.example',
        OPENLINE_TURN__ALLOW_LOOPBACK_PEERS: 'false',
        OPENLINE_SECRETS__TURN_STATIC_AUTH_SECRET: '1234567890123456789',
      },
    });
    assert.equal(config.ports.base, 44000);
    assert.equal(config.dataDir, '/tmp/x');
    assert.equal(config.turn.realm, 'env.example');
    assert.equal(config.turn.allowLoopbackPeers, false);
    // An all-digit secret stays a string: the schema decides the type, not the value.
    assert.equal(config.secrets.turnStaticAuthSecret, '1234567890123456789');
  });

  it('maps variable names to key paths', () => {
    assert.deepEqual(envNameToPath('OPENLINE_SECRETS__SIP_PASSWORD_KEY'), ['secrets', 'sipPasswordKey']);
    assert.deepEqual(envNameToPath('OPENLINE_PORT_BASE'), ['ports', 'base']);
  });

  it('documents every key in config/openline.example.yaml and the example is valid', () => {
    const src = path.join(findRootDir(__dirname), 'config', 'openline.example.yaml');
    const doc = parseYaml(fs.readFileSync(src, 'utf8')) as Record<string, unknown>;
    assert.equal(configSchema.safeParse(doc).success, true);
    const text = fs.readFileSync(src, 'utf8');
    const defaults = configSchema.parse({});
    const walk = (obj: Record<string, unknown>, prefix: string): void => {
      for (const [k, v] of Object.entries(obj)) {
        assert.match(text, new RegExp(`\\b${k}:`), `key ${prefix}${k} is not in the example`);
        if (v && typeof v === 'object') walk(v as Record<string, unknown>, `${prefix}${k}.`);
      }
    };
    walk(defaults as unknown as Record<string, unknown>, '');
    for (const n of SECRET_NAMES) assert.match(text, new RegExp(`# ${n}:`));
  });
});

describe('config: validation names the bad key', () => {
  const cases: Array<[string, NodeJS.ProcessEnv | string, RegExp]> = [
    ['a port base that is not a number (env)', { OPENLINE_PORT_BASE: 'abc' },
      /^config: ports\.base must be an integer 1024\.\.60000 \(from OPENLINE_PORT_BASE\)$/],
    ['a port base out of range (file)', 'ports:\n  base: 70000\n', /^config: ports\.base must be an integer 1024\.\.60000/],
    ['an unknown key', 'ports:\n  bsae: 1\n', /^config: unknown key ports\.bsae$/],
    ['a bad log level', 'log:\n  level: loud\n', /^config: log\.level must be one of/],
    ['a short secret', 'secrets:\n  jwtKey: short\n', /^config: secrets\.jwtKey must be at least 16 characters/],
    ['a malformed AES key', { OPENLINE_SECRETS__SIP_PASSWORD_KEY: 'xyz' }, /^config: secrets\.sipPasswordKey must be 64 hex digits/],
    ['an unknown variable', { OPENLINE_NOPE: '1' }, /^config: unknown environment variable OPENLINE_NOPE/],
    ['broken YAML', 'ports: [\n', /^config: .*openline\.yaml: invalid YAML/],
  ];
  for (const [what, input, re] of cases) {
    it(`refuses ${what}`, () => {
      const root = tmpDir();
      const opts = typeof input === 'string'
        ? { rootDir: root, env: {}, configFile: writeYaml(root, input) }
        : { rootDir: root, env: input, configFile: null };
      assert.throws(() => loadConfig(opts), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, re);
        assert.equal(err.message.includes('\n'), false);
        return true;
      });
    });
  }
});

describe('config: secrets', () => {
  it('generates missing secrets once into <dataDir>/secrets.json with mode 0600 and reuses them', () => {
    const root = tmpDir();
    const { config } = loadConfig({ rootDir: root, env: {}, configFile: null });
    const first = resolveSecrets(config);
    const file = path.join(config.dataDir, 'secrets.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.match(first.sipPasswordKey, /^[0-9a-f]{64}$/);
    const second = resolveSecrets(config);
    assert.deepEqual(second, first);
  });

  it('prefers a configured secret over the generated one', () => {
    const root = tmpDir();
    const { config } = loadConfig({
      rootDir: root, configFile: null, env: { OPENLINE_SECRETS__JWT_KEY: 'from-the-environment-123' },
    });
    assert.equal(resolveSecrets(config).jwtKey, 'from-the-environment-123');
  });

  it('refuses a missing secret when generation is off, naming the variable', () => {
    const root = tmpDir();
    const { config } = loadConfig({ rootDir: root, configFile: null, env: { OPENLINE_SECRETS__GENERATE: 'false' } });
    assert.throws(() => resolveSecrets(config), /config: secrets\.turnStaticAuthSecret is not set; .*OPENLINE_SECRETS__TURN_STATIC_AUTH_SECRET/);
  });

  it('does not write when asked only to read (the CLI before a first run)', () => {
    const root = tmpDir();
    const { config } = loadConfig({ rootDir: root, configFile: null, env: {} });
    assert.throws(() => resolveSecrets(config, { write: false }), /start the stack once/);
    assert.equal(fs.existsSync(path.join(config.dataDir, 'secrets.json')), false);
  });
});

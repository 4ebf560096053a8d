// createPushSender: providers from config.push, key files read at start with the key named on error.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@openline/config';
import { createPushSender, PushConfigError } from '../src/factory';

function config(push: Record<string, unknown>) {
  return loadConfig({ configFile: null, env: {}, overrides: { push } }).config;
}

describe('createPushSender', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openline-push-factory-'));
  const p8 = path.join(dir, 'key.p8');
  fs.writeFileSync(p8, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('with no provider enabled every push is unsupported-provider', async () => {
    const s = createPushSender(config({}));
    assert.deepEqual(s.providerNames, []);
    assert.equal((await s.send({ target: { provider: 'apns', prid: 'x' }, kind: 'call', data: {} })).reason, 'unsupported-provider');
  });

  it('builds the APNs provider from a valid .p8 key', async () => {
    const s = createPushSender(config({ apns: { enabled: true, keyFile: p8, keyId: 'K', teamId: 'T', bundleId: 'org.x' } }));
    assert.deepEqual(s.providerNames, ['apns']);
    await s.close();
  });

  it('names the config key when a file is missing or not what it should be', () => {
    assert.throws(() => createPushSender(config({ apns: { enabled: true, keyFile: path.join(dir, 'nope.p8'), keyId: 'K', teamId: 'T', bundleId: 'b' } })),
      (e: unknown) => e instanceof PushConfigError && /^push\.apns\.keyFile: cannot read .*ENOENT/.test(e.message));
    const notKey = path.join(dir, 'not.p8');
    fs.writeFileSync(notKey, 'hello');
    assert.throws(() => createPushSender(config({ apns: { enabled: true, keyFile: notKey, keyId: 'K', teamId: 'T', bundleId: 'b' } })), /push\.apns\.keyFile: not a \.p8 key/);
    assert.throws(() => createPushSender(config({ apns: { enabled: true, keyFile: p8, keyId: '', teamId: 'T', bundleId: 'b' } })), /push\.apns\.keyId is empty/);
    const badJson = path.join(dir, 'sa.json');
    fs.writeFileSync(badJson, '{"project_id": "p"}');
    assert.throws(() => createPushSender(config({ fcm: { enabled: true, serviceAccountFile: badJson } })), /push\.fcm\.serviceAccountFile: "client_email" missing/);
    assert.throws(() => createPushSender(config({ fcm: { enabled: true, serviceAccountFile: '' } })), /push\.fcm\.serviceAccountFile is empty/);
  });
});

import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  computeHa1, decryptSecret, encryptSecret, generatePassword, hashPassword, SecretBoxError, verifyPassword,
} from '../src/crypto';

const KEY = 'a'.repeat(64);
const OTHER_KEY = 'b'.repeat(64);

describe('crypto: web password hashing (scrypt)', () => {
  it('stores the parameters and a per-user salt in the hash string', async () => {
    const h = await hashPassword('correct horse');
    assert.match(h, /^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(await hashPassword('correct horse'), h, 'two hashes of one password differ (salt)');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse', { N: 1024 });
    assert.equal(await verifyPassword('correct horse', h), true);
    assert.equal(await verifyPassword('correct horsE', h), false);
  });

  it('refuses a malformed or hostile hash string instead of throwing', async () => {
    assert.equal(await verifyPassword('x', 'plain'), false);
    assert.equal(await verifyPassword('x', 'scrypt$N=3,r=8,p=1$AAAA$AAAA'), false);
    assert.equal(await verifyPassword('x', 'scrypt$N=67108864,r=8,p=1$AAAA$AAAA'), false);
  });
});

describe('crypto: SIP digest HA1', () => {
  it('computes MD5(username:realm:password) (RFC 2617 §3.2.2.2)', () => {
    // RFC 2617 §3.5 example user/realm/password.
    const ha1 = computeHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life', 'MD5');
    assert.equal(ha1, '939e7578ed9e3c518a452acee763bce9');
  });

  it('computes SHA-256(username:realm:password) for RFC 8760', () => {
    const expected = createHash('sha256').update('alice:example.com:secret').digest('hex');
    assert.equal(computeHa1('alice', 'example.com', 'secret', 'SHA-256'), expected);
    assert.equal(expected.length, 64);
  });
});

describe('crypto: AES-256-GCM sealed secrets', () => {
  it('round-trips and never contains the plaintext', () => {
    const sealed = encryptSecret(KEY, 'hunter2hunter2', 'ctx');
    assert.match(sealed, /^v1\./);
    assert.equal(sealed.includes('hunter2'), false);
    assert.equal(decryptSecret(KEY, sealed, 'ctx'), 'hunter2hunter2');
  });

  it('uses a fresh IV each time', () => {
    assert.notEqual(encryptSecret(KEY, 'same'), encryptSecret(KEY, 'same'));
  });

  it('refuses a wrong key, a wrong context and a tampered value', () => {
    const sealed = encryptSecret(KEY, 'hunter2', 'ctx');
    assert.throws(() => decryptSecret(OTHER_KEY, sealed, 'ctx'), SecretBoxError);
    assert.throws(() => decryptSecret(KEY, sealed, 'other'), SecretBoxError);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3], 'base64url');
    ct[0] ^= 1;
    parts[3] = ct.toString('base64url');
    assert.throws(() => decryptSecret(KEY, parts.join('.'), 'ctx'), SecretBoxError);
    assert.throws(() => decryptSecret('short', sealed), /64 hex digits/);
  });
});

describe('crypto: generated passwords', () => {
  it('are 20 URL-safe characters and differ each time', () => {
    const a = generatePassword();
    assert.match(a, /^[A-Za-z0-9_-]{20}$/);
    assert.notEqual(generatePassword(), a);
  });
});

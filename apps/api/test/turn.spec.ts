// TURN REST credentials (draft-uberti-behave-turn-rest §2.2), as coturn's use-auth-secret checks them.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { turnCredentials } from '../src/services/turn';

describe('TURN REST credentials', () => {
  const c = turnCredentials({ secret: 's3cret-s3cret-s3cret', host: '127.0.0.1', port: 35078, ttlSeconds: 600 }, '42', 1_700_000_000_000);
  it('names the expiry time and the account in the username', () => {
    assert.equal(c.username, `${1_700_000_000 + 600}:42`);
    assert.equal(c.ttl, 600);
  });
  it('sets the password to base64(HMAC-SHA1(secret, username))', () => {
    assert.equal(c.password, createHmac('sha1', 's3cret-s3cret-s3cret').update(c.username).digest('base64'));
  });
  it('lists the coturn listener for UDP and TCP', () => {
    assert.deepEqual(c.uris, ['turn:127.0.0.1:35078?transport=udp', 'turn:127.0.0.1:35078?transport=tcp', 'stun:127.0.0.1:35078']);
  });
});

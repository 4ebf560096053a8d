import * as assert from 'node:assert/strict';
import { hashPassword } from '@openline/db';
import { AccountChecker } from '../src/extauth/checker';
import { encodeReply, FrameReader, parseRequest } from '../src/extauth/protocol';

function frame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length, 0);
  return Buffer.concat([len, body]);
}

describe('extauth protocol', () => {
  it('splits length-prefixed requests, across and within chunks', () => {
    const r = new FrameReader();
    const both = Buffer.concat([frame('isuser:alice:example.com'), frame('auth:bob:example.com:pw')]);
    assert.deepEqual(r.push(both.subarray(0, 5)), []);
    assert.deepEqual(r.push(both.subarray(5)), ['isuser:alice:example.com', 'auth:bob:example.com:pw']);
  });

  it('keeps colons inside the password', () => {
    assert.deepEqual(parseRequest('auth:alice:example.com:a:b::c'), { op: 'auth', user: 'alice', server: 'example.com', password: 'a:b::c' });
  });

  it('treats account management requests as unsupported (accounts are the product\'s)', () => {
    for (const req of ['setpass:a:b:c', 'tryregister:a:b:c', 'removeuser:a:b', 'removeuser3:a:b:c']) {
      assert.equal(parseRequest(req).op, 'unsupported');
    }
  });

  it('replies with a 2-byte length 2 and 1 or 0', () => {
    assert.deepEqual([...encodeReply(true)], [0, 2, 0, 1]);
    assert.deepEqual([...encodeReply(false)], [0, 2, 0, 0]);
  });
});

describe('extauth account checks', () => {
  let hash: string;
  const calls: unknown[][] = [];
  const db = {
    query: async (_sql: string, args: unknown[]) => {
      calls.push(args);
      return (args[0] === 'alice' && args[1] === 'example.com' ? [{ password_hash: hash }]
        : args[0] === 'noweb' ? [{ password_hash: null }] : []) as never;
    },
  };
  const checker = new AccountChecker(db as never, { apiUser: 'openline-api', apiPassword: 'api-secret' });
  before(async () => { hash = await hashPassword('correct horse', { N: 1024 }); });

  it('accepts the web password of an active account (scrypt hash) and refuses another', async () => {
    assert.equal(await checker.answer({ op: 'auth', user: 'alice', server: 'Example.COM', password: 'correct horse' }), true);
    assert.equal(await checker.answer({ op: 'auth', user: 'alice', server: 'example.com', password: 'wrong' }), false);
  });

  it('refuses unknown accounts and accounts without a web password', async () => {
    assert.equal(await checker.answer({ op: 'auth', user: 'mallory', server: 'example.com', password: 'x' }), false);
    assert.equal(await checker.answer({ op: 'auth', user: 'noweb', server: 'example.com', password: '' }), false);
    assert.equal(await checker.answer({ op: 'isuser', user: 'mallory', server: 'example.com' }), false);
    assert.equal(await checker.answer({ op: 'isuser', user: 'noweb', server: 'example.com' }), true);
  });

  it('answers the REST API user from its derived password without touching the database', async () => {
    const before = calls.length;
    assert.equal(await checker.answer({ op: 'auth', user: 'openline-api', server: 'example.com', password: 'api-secret' }), true);
    assert.equal(await checker.answer({ op: 'auth', user: 'openline-api', server: 'example.com', password: 'api-secreT' }), false);
    assert.equal(calls.length, before);
  });
});

// Acceptance (issue 5): a wrong password gets a new 401 challenge, exactly like an unknown user
// (no user enumeration), until the failure limit per source and per account blocks it with 403.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { describeSippResult } from '../support/sipp';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { SipUdpClient, parseChallenge } from './support/digest-client';
import { sippRegister } from './support/sipp-register';

const DOMAIN = 'limits.registrar.test';
const BLOCK_SECONDS = 4;

describe('registrar: failed authentication limits', function () {
  this.timeout(120_000);
  let stack: StackHandle;
  let node: RegistrarNode;

  before(async () => {
    stack = await getSharedStack();
    // Failure counts are per source (127.0.0.1 here) and shared through Redis: other suites of the
    // run (e.g. the API's revoked SIP password) may have counted failures already; start clean.
    const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis, lazyConnect: true });
    await redis.connect();
    try {
      for (const pattern of ['*authfail:*', '*authblock*']) {
        const keys = await redis.keys(pattern);
        if (keys.length) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
    node = await startRegistrarNode(stack, {
      authFailureLimit: '5', authBlockSeconds: String(BLOCK_SECONDS), authFailureWindowSeconds: String(BLOCK_SECONDS),
    });
  });
  after(async () => {
    await node?.stop();
    // The source block (127.0.0.1) is shared by every node through Redis: let it lapse.
    await new Promise((r) => setTimeout(r, BLOCK_SECONDS * 1000 + 500));
  });

  it('answers an unknown user and a wrong password identically: 401 with a fresh challenge', async () => {
    const a = await newAccount(stack, DOMAIN);
    const c = new SipUdpClient(node.sipPort);
    await c.open();
    try {
      const wrong = await c.register({ user: a.user, domain: DOMAIN }, 'not-the-password', 'SHA-256');
      const ghost = await c.register({ user: `${a.user}-nobody`, domain: DOMAIN }, 'whatever', 'SHA-256');
      for (const r of [wrong.final, ghost.final]) {
        assert.equal(r.status, 401);
        assert.equal(r.reason, 'Unauthorized');
        assert.equal(r.all('www-authenticate').map(parseChallenge).filter((x) => x && !x.stale).length, 2);
      }
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, BLOCK_SECONDS * 1000 + 500)); // forget these failures
  });

  it('answers 401 to wrong passwords, then 403 once the limit (5) is reached, and keeps the source blocked', async () => {
    const a = await newAccount(stack, DOMAIN);
    const finals: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await sippRegister(node.sipPort, 'register-wrong-password.xml', a, { password: 'wrong-password' });
      assert.equal(r.successful, 1, describeSippResult(r));
      finals.push(r.received[r.received.length - 1].split('\r\n')[0].split('\n')[0]);
    }
    assert.deepEqual(finals.map((f) => f.slice(8, 11)), ['401', '401', '401', '401', '403']);
    const c = new SipUdpClient(node.sipPort);
    await c.open();
    try {
      const blocked = await c.send({ user: a.user, domain: DOMAIN });
      assert.equal(blocked.status, 403, 'the source stays blocked');
    } finally {
      c.close();
    }
    assert.match(node.registrar.output(), /authentication failures: blocked/);
  });
});

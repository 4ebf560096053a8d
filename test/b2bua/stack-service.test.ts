// The stack supervisor's `b2bua` service (apps/stack/src/registry.ts): the shared test stack
// starts it after sipd, and an INVITE to the stack's SIP port is answered by it (407: a device
// must authenticate, RFC 3261 §22.3).
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { account } from './support/harness';
import { TestUa } from './support/ua';

describe('stack: the b2bua service', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  before(async () => { stack = await getSharedStack(); });

  it('runs under the supervisor and challenges an INVITE on the stack\'s SIP port', async () => {
    assert.ok(stack.pids().b2bua > 0, `b2bua not running: ${JSON.stringify(stack.pids())}`);
    const a = await account(stack, 'stack.b2b.test');
    const ua = new TestUa(a.user, a.domain, 'not-the-password', stack.ports.sip);
    await ua.open();
    try {
      const call = await ua.invite('someone');
      assert.equal(call.status, 407);
      assert.match(call.response.get('proxy-authenticate') ?? '', /^Digest realm="stack\.b2b\.test"/);
    } finally {
      ua.close();
    }
  });
});

// The stack supervisor's `registrar` service (apps/stack/src/registry.ts): the shared test stack
// starts it after sipd, and a REGISTER to the stack's SIP port is served by it.
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { newAccount } from './support/nodes';
import { SipUdpClient } from './support/digest-client';

describe('stack: the registrar service', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  before(async () => { stack = await getSharedStack(); });

  it('runs under the supervisor and answers REGISTER on the stack\'s SIP port', async () => {
    assert.ok(stack.pids().registrar > 0, `registrar not running: ${JSON.stringify(stack.pids())}`);
    const a = await newAccount(stack, 'stack.registrar.test');
    const c = new SipUdpClient(stack.ports.sip);
    await c.open();
    try {
      const { final } = await c.register({ user: a.user, domain: a.domain }, a.password, 'MD5');
      assert.equal(final.status, 200);
    } finally {
      c.close();
    }
  });
});

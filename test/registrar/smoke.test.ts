import assert from 'node:assert/strict';
import { getSharedStack } from '../support/stack';
import type { StackHandle } from '@openline/stack';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { SipUdpClient } from './support/digest-client';

describe('smoke', function () {
  this.timeout(120000);
  let stack: StackHandle;
  let node: RegistrarNode;
  before(async () => {
    stack = await getSharedStack();
    node = await startRegistrarNode(stack);
  });
  after(async () => { await node?.stop(); });
  it('registers with SHA-256', async () => {
    const a = await newAccount(stack, 'smoke.test');
    const c = new SipUdpClient(node.sipPort);
    await c.open();
    const { challenge, final } = await c.register({ user: a.user, domain: a.domain, expires: 600 }, a.password, 'SHA-256');
    console.log(challenge.raw, final.raw);
    c.close();
    assert.equal(final.status, 200);
  });
});

// Acceptance (issue 5): the location store is shared by nodes (each a sipd + registrar pair on
// its own ports, one Redis), and registrations survive restarting the registrar or sipd.
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { reachableDevices } from '@openline/location';
import { getSharedStack } from '../support/stack';
import { locationOf } from './support/location';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { SipUdpClient, parseChallenge } from './support/digest-client';

const DOMAIN = 'nodes.registrar.test';

async function query(port: number, a: { user: string; password: string }): Promise<string> {
  const c = new SipUdpClient(port);
  await c.open();
  try {
    const { final } = await c.register({ user: a.user, domain: DOMAIN, contactHeader: '' }, a.password);
    assert.equal(final.status, 200);
    return final.get('contact') ?? '';
  } finally {
    c.close();
  }
}

describe('registrar: several nodes, one location store', function () {
  this.timeout(120_000);
  let stack: StackHandle;
  let first: RegistrarNode;
  let second: RegistrarNode;
  let loc: ReturnType<typeof locationOf>;

  before(async () => {
    stack = await getSharedStack();
    [first, second] = await Promise.all([startRegistrarNode(stack), startRegistrarNode(stack)]);
    loc = locationOf(stack);
  });
  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await loc?.close();
  });

  it('a second node sees a binding made through the first, with the first node\'s flow', async () => {
    const a = await newAccount(stack, DOMAIN);
    const c = new SipUdpClient(first.sipPort);
    await c.open();
    const { final } = await c.register({ user: a.user, domain: DOMAIN }, a.password);
    c.close();
    assert.equal(final.status, 200);
    assert.match(await query(second.sipPort, a), new RegExp(`<sip:${a.user}@127\\.0\\.0\\.1:${c.port}>;expires=\\d+`));
    const [d] = await reachableDevices(loc.store, a.aor);
    assert.equal(d.flow.node, `127.0.0.1:${first.sipPort}`, 'the flow is held by the first node\'s sipd');
    assert.equal(d.flow.port, c.port);
  });

  it('accepts on one node the answer to a challenge issued by another (shared nonce key)', async () => {
    const a = await newAccount(stack, DOMAIN);
    const toFirst = new SipUdpClient(first.sipPort);
    await toFirst.open();
    const challenge = await toFirst.send({ user: a.user, domain: DOMAIN });
    toFirst.close();
    const ch = challenge.all('www-authenticate').map(parseChallenge).find((x) => x?.algorithm === 'SHA-256');
    assert.ok(ch);
    const toSecond = new SipUdpClient(second.sipPort);
    await toSecond.open();
    const r = await toSecond.send({ user: a.user, domain: DOMAIN }, toSecond.authorization(ch, a.user, a.password, `sip:${DOMAIN}`));
    toSecond.close();
    assert.equal(r.status, 200);
  });

  it('keeps registrations when the registrar process restarts', async () => {
    const a = await newAccount(stack, DOMAIN);
    const c = new SipUdpClient(first.sipPort);
    await c.open();
    assert.equal((await c.register({ user: a.user, domain: DOMAIN }, a.password)).final.status, 200);
    c.close();
    await first.restartRegistrar();
    assert.match(await query(first.sipPort, a), new RegExp(`:${c.port}>;expires=\\d+`));
  });

  it('keeps registrations when sipd and its registrar are replaced', async () => {
    const a = await newAccount(stack, DOMAIN);
    const c = new SipUdpClient(second.sipPort);
    await c.open();
    assert.equal((await c.register({ user: a.user, domain: DOMAIN }, a.password)).final.status, 200);
    c.close();
    await second.stop();
    second = await startRegistrarNode(stack);
    assert.match(await query(second.sipPort, a), new RegExp(`:${c.port}>;expires=\\d+`));
  });
});

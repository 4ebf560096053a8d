// Acceptance (issue 5): SIPp REGISTER with MD5 digest against the real sipd + registrar, MariaDB
// accounts and the Redis location store of the shared stack. SIPp 3.6.1 computes MD5 only and
// reads only the first challenge: the registrar offers MD5 first by default
// (registrar.digestAlgorithms), SHA-256 second. SHA-256 is driven by
// test/registrar/support/digest-client.ts (digest-client.test.ts).
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { describeSippResult, freePort } from '../support/sipp';
import { locationOf } from './support/location';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { headersOf, sippRegister } from './support/sipp-register';

const DOMAIN = 'sipp.registrar.test';

describe('registrar with SIPp (MD5 digest, RFC 3261 §10 and §22)', function () {
  this.timeout(120_000);
  let stack: StackHandle;
  let node: RegistrarNode;
  let loc: ReturnType<typeof locationOf>;

  before(async () => {
    stack = await getSharedStack();
    node = await startRegistrarNode(stack, { nonceTtlSeconds: '10' });
    loc = locationOf(stack);
  });
  after(async () => {
    await node?.stop();
    await loc?.close();
  });

  describe('a registration', () => {
    it('is challenged with 401, accepted after the MD5 answer, and its 200 lists the binding with its expires', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await sippRegister(node.sipPort, 'register-auth.xml', a, { expires: 600 });
      assert.ok(r.ok, describeSippResult(r));
      const challenge = r.received.find((m) => m.startsWith('SIP/2.0 401'));
      assert.ok(challenge);
      const offered = headersOf(challenge, 'WWW-Authenticate');
      assert.equal(offered.length, 2, 'MD5 and SHA-256 offered together (RFC 8760)');
      assert.match(offered.join('\n'), /algorithm=SHA-256/);
      const ok = r.received.find((m) => m.startsWith('SIP/2.0 200')) ?? '';
      assert.match(headersOf(ok, 'Contact')[0] ?? '', new RegExp(`<sip:${a.user}@127\\.0\\.0\\.1:${r.localPort};transport=UDP>;expires=(600|599)`));
      const stored = await loc.store.lookup(a.aor);
      assert.equal(stored.length, 1);
      assert.equal(stored[0].flow.port, r.localPort);
      assert.equal(stored[0].flow.transport, 'udp');
    });

    it('lists two devices of one account together in the 200 (§10.3 step 8)', async () => {
      const a = await newAccount(stack, DOMAIN);
      const first = await sippRegister(node.sipPort, 'register-auth.xml', a);
      assert.ok(first.ok, describeSippResult(first));
      const second = await sippRegister(node.sipPort, 'register-auth.xml', a, { localPort: await freePort() });
      assert.ok(second.ok, describeSippResult(second));
      const ok = second.received.find((m) => m.startsWith('SIP/2.0 200')) ?? '';
      const contacts = headersOf(ok, 'Contact').join(',');
      assert.match(contacts, new RegExp(`:${first.localPort};transport=UDP>;expires=\\d+`));
      assert.match(contacts, new RegExp(`:${second.localPort};transport=UDP>;expires=\\d+`));
      assert.equal((await loc.store.lookup(a.aor)).length, 2);
    });

    it('registers over TCP, and the binding records the tcp flow', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await sippRegister(node.sipPort, 'register-auth.xml', a, { transport: 't1' });
      assert.ok(r.ok, describeSippResult(r));
      const [b] = await loc.store.lookup(a.aor);
      assert.equal(b?.flow.transport, 'tcp');
      assert.equal(b?.flow.node, `127.0.0.1:${node.sipPort}`);
      assert.equal(b?.flow.local, `127.0.0.1:${node.sipPort}`);
    });

    it('answers 423 with Min-Expires for an expiry below the minimum (§10.3 step 7)', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await sippRegister(node.sipPort, 'register-auth-423.xml', a, { expires: 30 });
      assert.ok(r.ok, describeSippResult(r));
      const res = r.received.find((m) => m.startsWith('SIP/2.0 423')) ?? '';
      assert.deepEqual(headersOf(res, 'Min-Expires'), ['60']);
      assert.equal((await loc.store.lookup(a.aor)).length, 0);
    });
  });

  describe('unregistration', () => {
    it('removes the binding for a Contact with Expires 0', async () => {
      const a = await newAccount(stack, DOMAIN);
      const port = await freePort();
      assert.ok((await sippRegister(node.sipPort, 'register-auth.xml', a, { localPort: port })).ok);
      assert.equal((await loc.store.lookup(a.aor)).length, 1);
      const r = await sippRegister(node.sipPort, 'register-auth.xml', a, { localPort: port, expires: 0 });
      assert.ok(r.ok, describeSippResult(r));
      const ok = r.received.find((m) => m.startsWith('SIP/2.0 200')) ?? '';
      assert.deepEqual(headersOf(ok, 'Contact'), []);
      assert.equal((await loc.store.lookup(a.aor)).length, 0);
    });

    it('removes every binding for `Contact: *` with Expires: 0 (§10.2.2)', async () => {
      const a = await newAccount(stack, DOMAIN);
      assert.ok((await sippRegister(node.sipPort, 'register-auth.xml', a)).ok);
      assert.ok((await sippRegister(node.sipPort, 'register-auth.xml', a, { localPort: await freePort() })).ok);
      assert.equal((await loc.store.lookup(a.aor)).length, 2);
      const r = await sippRegister(node.sipPort, 'unregister-wildcard.xml', a);
      assert.ok(r.ok, describeSippResult(r));
      assert.equal((await loc.store.lookup(a.aor)).length, 0);
    });
  });

  describe('an expired nonce', () => {
    it('is answered 401 with stale=true, and the fresh challenge then succeeds (RFC 7616 §3.3)', async () => {
      const a = await newAccount(stack, DOMAIN);
      const r = await sippRegister(node.sipPort, 'register-stale.xml', a, { pauseMs: 11_500 });
      assert.ok(r.ok, describeSippResult(r));
      assert.equal((await loc.store.lookup(a.aor)).length, 1);
    });
  });
});

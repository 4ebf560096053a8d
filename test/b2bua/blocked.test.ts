// Acceptance (issue 11): a block stops calls from the blocked user. B blocks A through the API
// (PUT /v1/me/blocks/{id}); A's call to B is refused by the B2BUA with a plain 403 "Forbidden"
// (Reason per RFC 3326, nothing about the block), B's device never rings, and the refused attempt
// has its CDR. Others still reach B, B still reaches A (a block is one-way), and after the unblock
// (DELETE) A reaches B again.
import assert from 'node:assert/strict';
import { AccountRepo } from '@openline/db';
import type { StackHandle } from '@openline/stack';
import { newDevice, startTestApi, type TestApi } from '../api/support/api';
import { account, bindDevice, startB2buaNode, type B2buaNode, type TestAccount } from './support/harness';
import { TestUa } from './support/ua';

describe('b2bua: calls from a blocked user', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let api: TestApi;
  let node: B2buaNode;
  let domain: string;
  const uas: TestUa[] = [];

  before(async () => {
    api = await startTestApi();
    stack = api.stack;
    node = await startB2buaNode(stack);
    // The API signs in accounts of its own SIP domain: the test's accounts live there.
    domain = api.api.deps.settings.sipDomain;
  });
  after(async () => {
    for (const u of uas) u.close();
    await node?.stop();
    await api?.close();
  });

  /** An account with a device (a TestUa that answers) bound in the location store. */
  async function withDevice(a: TestAccount): Promise<TestUa> {
    const ua = new TestUa(a.user, a.domain, a.password, node.sipPort);
    await ua.open();
    uas.push(ua);
    await bindDevice(node, a, ua.port);
    return ua;
  }

  /** B: an account that can also sign in to the API (web password), and its bearer token. */
  async function apiAccount(): Promise<{ account: TestAccount; token: string }> {
    const user = `blk${process.pid}x${Date.now().toString(36)}`;
    const password = `pw-${user}`;
    const webPassword = `web password ${user}`;
    const repo = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, domain);
    const { account: a } = await repo.add({ username: user, domain, password, webPassword, country: 'US' });
    const s = await api.call('POST', '/v1/auth/signin', { body: { login: user, password: webPassword, device: newDevice(), sip: false } });
    assert.equal(s.status, 200, s.text);
    return { account: { id: a.id, user, domain, password, aor: `sip:${user}@${domain}` }, token: s.body.accessToken as string };
  }

  async function connects(from: TestUa, to: TestAccount, toUa: TestUa, what: string): Promise<void> {
    const before = toUa.incoming.length;
    const call = await from.invite(to.user);
    assert.equal(call.status, 200, `${what}: ${call.status} ${call.response.get('reason') ?? ''}`);
    assert.equal(toUa.incoming.length, before + 1, `${what}: the callee's device rang once`);
    toUa.incoming.splice(before, 1);
    assert.equal((await from.request(call, 'BYE')).status, 200, `${what}: BYE`);
    await node.cdr((c) => c.aLegCallId === call.callId && c.disposition === 'answered');
  }

  it('B blocks A: A → B is 403 Forbidden without ringing B (CDR written); C → B and B → A connect; after unblock A → B connects', async () => {
    const b = await apiAccount();
    const alice = await account(stack, domain);
    const carol = await account(stack, domain);
    const [aUa, bUa, cUa] = [await withDevice(alice), await withDevice(b.account), await withDevice(carol)];

    const blocked = await api.call('PUT', `/v1/me/blocks/${alice.id}`, { token: b.token });
    assert.equal(blocked.status, 204, blocked.text);

    const refused = await aUa.invite(b.account.user);
    assert.equal(refused.status, 403);
    assert.equal(refused.response.reason, 'Forbidden');
    // RFC 3326 Reason, saying no more than the status does (the caller does not learn of the block).
    assert.equal(refused.response.get('reason'), 'SIP;cause=403;text="Forbidden"');
    assert.deepEqual(refused.provisionals.filter((s) => s > 100), [], 'no ringing towards the blocked caller');
    const cdr = await node.cdr((c) => c.aLegCallId === refused.callId);
    assert.equal(cdr.direction, 'onnet');
    assert.equal(cdr.caller.accountId, alice.id);
    assert.equal(cdr.callee.accountId, b.account.id);
    assert.equal(cdr.disposition, 'failed');
    assert.equal(cdr.sipStatus, 403);
    assert.equal(cdr.sipReason, 'Forbidden');
    assert.equal(cdr.hangupSide, 'system');
    assert.deepEqual(cdr.hangupCause, { protocol: 'SIP', cause: 403, text: 'Blocked by callee' });
    assert.equal(cdr.answerTime, null);
    assert.equal(cdr.bLegCallId, null, 'no call leg towards B was created');
    // Give a stray INVITE time to arrive before saying B's device never rang.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bUa.incoming.length, 0, "B's device never received the INVITE");
    assert.equal(await node.app.deps.limits.current(node.app.deps.limits.key('account', alice.id)), 0, 'no call slot kept');

    await connects(cUa, b.account, bUa, 'C (not blocked) → B');
    await connects(bUa, alice, aUa, 'B → A (a block is one-way)');

    const unblocked = await api.call('DELETE', `/v1/me/blocks/${alice.id}`, { token: b.token });
    assert.equal(unblocked.status, 204, unblocked.text);
    await connects(aUa, b.account, bUa, 'A → B after the unblock');
  });
});

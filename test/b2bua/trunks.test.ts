// Acceptance (issue 6): OFFNET calls to carrier trunks by longest prefix with failover (a dead
// trunk, a 503 trunk, then one that challenges with 407 and is answered with the trunk's
// credentials), and inbound calls from a trunk's source CIDR routed by DID; CDRs field by field.
import assert from 'node:assert/strict';
import { AccountRepo, DialPlanRepo, NumberRepo, TrunkRepo } from '@openline/db';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { describeSippResult, freePort, runSipp, sippUas, type SippProcess } from '../support/sipp';
import { account, bindDevice, near, startB2buaNode, type B2buaNode } from './support/harness';
import { TestUa } from './support/ua';

const DOMAIN = `trunks${process.pid}.b2b.test`;
const tail = String(process.pid % 10000).padStart(4, '0');
const OUT_PREFIX = `+1999${tail}`;
const DID = `+1888${tail}000`;
/** Inbound trunk calls come from this loopback address (its CIDR is the trunk's). */
const TRUNK_SOURCE = '127.0.0.2';

describe('b2bua: trunks', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let node: B2buaNode;
  let sipps: SippProcess[] = [];
  let busy503: SippProcess;
  let authed: SippProcess;
  const names = { dead: `dead${tail}`, t503: `t503x${tail}`, auth: `auth${tail}`, inbound: `in${tail}` };

  before(async () => {
    stack = await getSharedStack();
    const db = stack.dbPool();
    const trunks = new TrunkRepo(db, stack.secrets.sipPasswordKey);
    const plan = new DialPlanRepo(db);
    busy503 = await sippUas({ scenario: 'uas-503.xml' });
    authed = await sippUas({ scenario: 'uas-proxy-auth-challenge.xml' });
    sipps.push(busy503, authed);
    const deadPort = await freePort();
    await trunks.add(names.dead, { host: '127.0.0.1', port: deadPort });
    await trunks.add(names.t503, { host: '127.0.0.1', port: busy503.localPort });
    await trunks.add(names.auth, { host: '127.0.0.1', port: authed.localPort, authUser: 'alice', authPassword: 'carrier-secret', codecs: ['PCMA', 'PCMU'] });
    await trunks.add(names.inbound, { host: '127.0.0.1', port: 5999, inboundCidrs: [`${TRUNK_SOURCE}/32`] });
    await plan.add({ prefix: OUT_PREFIX, action: 'OFFNET', trunk: names.dead, priority: 10 });
    await plan.add({ prefix: OUT_PREFIX, action: 'OFFNET', trunk: names.t503, priority: 20 });
    await plan.add({ prefix: `+1999${tail.slice(0, 3)}`, action: 'OFFNET', trunk: names.auth, priority: 30 });
    // Trunks exist before the node starts: its source-CIDR cache starts fresh.
    node = await startB2buaNode(stack);
  });
  after(async () => {
    for (const s of sipps) await s.stop(500);
    sipps = [];
    await node?.stop();
  });

  it('OFFNET: longest prefix first; a dead trunk and a 503 trunk fail over to the next, which is answered after its 407 with the trunk credentials', async () => {
    const alice = await account(stack, DOMAIN, { phone: `+1202${tail}111` });
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    const number = `${OUT_PREFIX}123`;
    try {
      const call = await ua.invite(number);
      assert.equal(call.status, 200, `${call.status} ${call.response.get('reason') ?? ''}`);
      await new Promise((r) => setTimeout(r, 1000));
      await ua.request(call, 'BYE');
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assert.equal(c.direction, 'outbound');
      assert.equal(c.trunkName, names.auth);
      assert.ok(c.trunkId !== null && c.trunkId > 0);
      assert.equal(c.caller.accountId, alice.id);
      assert.equal(c.caller.number, alice.phone);
      assert.deepEqual(c.callee, { accountId: null, username: null, number: number, device: null, displayName: null });
      assert.equal(c.disposition, 'answered');
      assert.equal(c.sipStatus, 200);
      assert.equal(c.hangupSide, 'caller');
      near(c.talkMs, 1000, 400, 'talkMs');
      assert.ok(c.setupMs >= 1500, `setup includes the dead trunk's timeout: ${c.setupMs}`);
      assert.ok(c.bLegCallId);
      const s503 = await busy503.stop(1000);
      sipps = sipps.filter((x) => x !== busy503);
      assert.equal(s503.successful, 1, `the 503 trunk was tried once: ${describeSippResult(s503)}`);
      const sAuth = await authed.stop(2000);
      sipps = sipps.filter((x) => x !== authed);
      assert.equal(sAuth.successful, 1, `the challenging trunk saw our Proxy-Authorization and answered: ${describeSippResult(sAuth)}`);
    } finally {
      ua.close();
    }
  });

  it('every trunk failing → 503 with a Reason; the CDR names the last trunk tried', async () => {
    const db = stack.dbPool();
    const prefix = `+1977${tail}`;
    await new DialPlanRepo(db).add({ prefix, action: 'OFFNET', trunk: names.dead, priority: 10 });
    const alice = await account(stack, DOMAIN);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(`${prefix}555`);
      assert.equal(call.status, 503);
      assert.match(call.response.get('reason') ?? '', /cause=503;text="No trunk available"/);
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assert.equal(c.direction, 'outbound');
      assert.equal(c.trunkName, names.dead);
      assert.equal(c.disposition, 'failed');
      assert.equal(c.hangupSide, 'system');
    } finally {
      ua.close();
    }
  });

  it('a trunk at its concurrent-call limit is skipped; with no other trunk → 503 "Trunk concurrent call limit reached"', async () => {
    const db = stack.dbPool();
    const prefix = `+1966${tail}`;
    const full = `full${tail}`;
    await new TrunkRepo(db, stack.secrets.sipPasswordKey).add(full, { host: '127.0.0.1', port: 5999 });
    await db.query('UPDATE trunks SET max_calls = 0 WHERE name = ?', [full]);
    await new DialPlanRepo(db).add({ prefix, action: 'OFFNET', trunk: full, priority: 10 });
    const alice = await account(stack, DOMAIN);
    const ua = new TestUa(alice.user, DOMAIN, alice.password, node.sipPort);
    await ua.open();
    try {
      const call = await ua.invite(`${prefix}555`);
      assert.equal(call.status, 503);
      assert.match(call.response.get('reason') ?? '', /cause=503;text="Trunk concurrent call limit reached"/);
      const c = await node.cdr((x) => x.aLegCallId === call.callId);
      assert.equal(c.direction, 'outbound');
      assert.equal(c.disposition, 'failed');
    } finally {
      ua.close();
    }
  });

  it('inbound: a call from a trunk source CIDR needs no auth and reaches the DID owner; CDR inbound with the trunk', async () => {
    const bob = await account(stack, DOMAIN);
    const db = stack.dbPool();
    await new NumberRepo(db, new AccountRepo(db, stack.secrets.sipPasswordKey, DOMAIN)).add(DID, `${bob.user}@${DOMAIN}`);
    const dev = await sippUas({ scenario: 'uas-answer.xml' });
    sipps.push(dev);
    await bindDevice(node, bob, dev.localPort);
    const r = await runSipp({
      scenario: 'uac-call.xml', remote: `127.0.0.1:${node.sipPort}`, localIp: TRUNK_SOURCE, service: DID.slice(2), calls: 1, pauseMs: 500, timeoutSec: 20,
    });
    assert.ok(r.ok, describeSippResult(r));
    const c = await node.cdr((x) => x.direction === 'inbound' && x.callee.accountId === bob.id);
    assert.equal(c.trunkName, names.inbound);
    assert.equal(c.callee.username, bob.user);
    assert.equal(c.caller.accountId, null);
    assert.equal(c.caller.username, null);
    assert.equal(c.disposition, 'answered');
    assert.equal(c.hangupSide, 'caller');
    near(c.talkMs, 500, 400, 'talkMs');
    // the number from the carrier (without +, US default country) was normalised to the DID
    assert.equal(c.callee.number, DID);
  });

  it('inbound to an unknown DID → 404 "Unknown DID"', async () => {
    const r = await runSipp({
      scenario: 'uac-call.xml', remote: `127.0.0.1:${node.sipPort}`, localIp: TRUNK_SOURCE, service: `+1888${tail}999`, calls: 1, timeoutSec: 10, recvTimeoutMs: 3000,
    });
    assert.equal(r.successful, 0);
    const c = await node.cdr((x) => x.direction === 'inbound' && x.sipStatus === 404);
    assert.equal(c.trunkName, names.inbound);
    assert.deepEqual(c.hangupCause, { protocol: 'SIP', cause: 404, text: 'Unknown DID' });
  });
});

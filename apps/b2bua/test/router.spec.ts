// Routing decisions over an in-memory directory (the SQL is exercised by the integration suites).
import assert from 'node:assert/strict';
import type { AccountRow, Directory, TrunkRow } from '../src/lib/directory';
import { CallError } from '../src/lib/errors';
import { Router } from '../src/lib/router';

function acct(id: number, username: string, o: Partial<AccountRow> = {}): AccountRow {
  return { id, username, domain: 'example.com', phone: null, extension: null, displayName: null, country: 'PL', active: true, maxCalls: null, ...o };
}
const trunk = (id: number, name: string): TrunkRow => ({ id, name, host: '192.0.2.1', port: 5060, transport: 'udp', authUser: null, codecs: ['PCMA'], maxCalls: null });

const alice = acct(1, 'alice');
const bob = acct(2, 'bob', { phone: '+48600456789', extension: '201' });
const carol = acct(3, 'carol');
const off = acct(4, 'off', { active: false });
const dids: Record<string, AccountRow> = { '+48221234567': carol };
const plan: Array<{ prefix: string; result: Awaited<ReturnType<Directory['dialPlan']>> }> = [
  { prefix: '+4860', result: { action: 'ONNET' } },
  { prefix: '+44', result: { action: 'OFFNET', trunks: [trunk(7, 'uk1'), trunk(8, 'uk2')] } },
];

const dir = {
  accountByUsername: async (u: string) => [alice, bob, carol, off].find((a) => a.username === u),
  accountByExtension: async (e: string) => [bob].find((a) => a.extension === e),
  accountByPhone: async (p: string) => [bob].find((a) => a.phone === p),
  accountByDid: async (p: string) => dids[p],
  dialPlan: async (e164: string) => plan.filter((r) => e164.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0]?.result,
} as unknown as Directory;

const router = new Router(dir, { defaultCountry: 'US' });
const fromAlice = { kind: 'account' as const, account: alice };

describe('Router', () => {
  describe('from an account', () => {
    it('ONNET by username, by extension, by the E.164 number of the callee (national 0 → +48)', async () => {
      for (const dial of ['bob', '201', '0600456789', '600456789', '+48600456789', '0048600456789']) {
        const r = await router.route(fromAlice, dial, 'example.com');
        assert.ok(r.ok && r.route.kind === 'onnet' && r.route.callee.id === bob.id, dial);
      }
    });
    it('ONNET to a DID owner', async () => {
      const r = await router.route(fromAlice, '221234567', 'example.com');
      assert.ok(r.ok && r.route.kind === 'onnet' && r.route.callee.id === carol.id);
    });
    it('OFFNET by the longest prefix, the trunks in failover order', async () => {
      const r = await router.route(fromAlice, '00442085676789', 'example.com');
      assert.ok(r.ok && r.route.kind === 'outbound');
      if (r.ok && r.route.kind === 'outbound') {
        assert.equal(r.route.e164, '+442085676789');
        assert.deepEqual(r.route.trunks.map((t) => t.name), ['uk1', 'uk2']);
      }
    });
    it('the RCS `int` prefix forces OFFNET even for a number of ours', async () => {
      const r = await router.route(fromAlice, 'int+442085676789', 'example.com');
      assert.ok(r.ok && r.route.kind === 'outbound');
    });
    it('unknown user 404, ONNET prefix without an account 404, no rule 403, disabled callee 404', async () => {
      assert.deepEqual(await router.route(fromAlice, 'nobody', 'example.com'), { ok: false, error: CallError.UnknownDestination });
      assert.deepEqual(await router.route(fromAlice, '0601111111', 'example.com'), { ok: false, error: CallError.UnknownDestination });
      assert.deepEqual(await router.route(fromAlice, '+15551234567', 'example.com'), { ok: false, error: CallError.NotAllowed });
      assert.deepEqual(await router.route(fromAlice, 'off', 'example.com'), { ok: false, error: CallError.CalleeDisabled });
    });
  });
  describe('from a trunk', () => {
    it('inbound by DID (normalised with the default country), 404 for an unknown DID', async () => {
      const r = await router.route({ kind: 'trunk', trunk: trunk(9, 'in') }, '+48221234567', 'x');
      assert.ok(r.ok && r.route.kind === 'inbound' && r.route.callee.id === carol.id && r.route.trunk.name === 'in');
      assert.deepEqual(await router.route({ kind: 'trunk', trunk: trunk(9, 'in') }, '+48229999999', 'x'), { ok: false, error: CallError.UnknownDid });
    });
  });
});

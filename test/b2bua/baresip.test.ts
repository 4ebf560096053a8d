// Acceptance (issue 6): two real softphones (baresip 1.0) register through the registrar and call
// each other through sipd + the B2BUA with media anchored on rtpengine; each sends its own tone
// and records what it hears: both recordings hold the other side's tone (Goertzel filter).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StackHandle } from '@openline/stack';
import { reachableDevices } from '@openline/location';
import { getSharedStack } from '../support/stack';
import { goertzel, readWav, writeToneWav } from './support/audio';
import { startBaresipPhone, type BaresipPhone } from './support/baresip';
import { account, startB2buaNode, type B2buaNode } from './support/harness';

const DOMAIN = `bs${process.pid}.b2b.test`;
const ALICE_HZ = 1000;
const BOB_HZ = 600;

describe('b2bua: baresip ↔ baresip', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let node: B2buaNode;
  const phones: BaresipPhone[] = [];
  before(async () => {
    stack = await getSharedStack();
    node = await startB2buaNode(stack, { registrarSettings: { digestAlgorithms: 'MD5' }, settings: { digestAlgorithms: ['MD5'] } });
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await node?.stop();
  });

  it('audio flows both ways: each recording holds the other phone\'s tone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tones-'));
    writeToneWav(path.join(dir, 'alice.wav'), ALICE_HZ, 30);
    writeToneWav(path.join(dir, 'bob.wav'), BOB_HZ, 30);
    const a = await account(stack, DOMAIN);
    const b = await account(stack, DOMAIN);
    const alice = await startBaresipPhone({ ...a, proxyPort: node.sipPort, wav: path.join(dir, 'alice.wav') });
    phones.push(alice);
    const bob = await startBaresipPhone({ ...b, proxyPort: node.sipPort, wav: path.join(dir, 'bob.wav') });
    phones.push(bob);
    await alice.registered();
    await bob.registered();
    assert.equal((await reachableDevices(node.location, b.aor)).length, 1, 'bob registered through the registrar');
    await alice.command('dial', `sip:${b.user}@${DOMAIN}`);
    await alice.event('CALL_ESTABLISHED');
    await bob.event('CALL_ESTABLISHED');
    await new Promise((r) => setTimeout(r, 4000));
    await alice.command('hangup');
    await bob.event('CALL_CLOSED');
    await new Promise((r) => setTimeout(r, 500));
    const heardByAlice = alice.received();
    const heardByBob = bob.received();
    assert.equal(heardByAlice.length, 1, `alice's recordings: ${heardByAlice.join(', ')}`);
    assert.equal(heardByBob.length, 1, `bob's recordings: ${heardByBob.join(', ')}`);
    const atAlice = readWav(heardByAlice[0]);
    const atBob = readWav(heardByBob[0]);
    assert.ok(atAlice.samples.length > atAlice.rate * 2, `alice recorded ${atAlice.samples.length} samples`);
    assert.ok(atBob.samples.length > atBob.rate * 2, `bob recorded ${atBob.samples.length} samples`);
    const p = (pcm: ReturnType<typeof readWav>, hz: number): number => goertzel(pcm, hz);
    // A pure tone puts ~half its energy at its frequency (normalised power ≈ 0.5); other tones ≈ 0.
    assert.ok(p(atAlice, BOB_HZ) > 0.1, `bob's ${BOB_HZ} Hz at alice: ${p(atAlice, BOB_HZ)}`);
    assert.ok(p(atAlice, ALICE_HZ) < 0.01, `no echo of alice's own tone: ${p(atAlice, ALICE_HZ)}`);
    assert.ok(p(atBob, ALICE_HZ) > 0.1, `alice's ${ALICE_HZ} Hz at bob: ${p(atBob, ALICE_HZ)}`);
    assert.ok(p(atBob, BOB_HZ) < 0.01, `no echo of bob's own tone: ${p(atBob, BOB_HZ)}`);
    const c = await node.cdr((x) => x.caller.accountId === a.id);
    assert.equal(c.disposition, 'answered');
    assert.equal(c.callee.accountId, b.id);
    assert.match(c.callee.device ?? '', /^urn:uuid:/);
    assert.ok((c.media.aLeg?.packetsIn ?? 0) > 100 && (c.media.bLeg?.packetsIn ?? 0) > 100, JSON.stringify(c.media));
  });
});

// Acceptance (issue 5): a real softphone (baresip 1.0) registers through sipd; its 200 shows its
// binding, and the location library sees the device with its +sip.instance.
// baresip 1.0 (libre 1.1) aborts with "Function not implemented" on ANY non-MD5 challenge, even
// when an MD5 one is offered too, so this node offers MD5 only (registrar.digestAlgorithms: MD5).
import assert from 'node:assert/strict';
import type { StackHandle } from '@openline/stack';
import { reachableDevices } from '@openline/location';
import { getSharedStack } from '../support/stack';
import { locationOf } from './support/location';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { startBaresip, type Baresip } from './support/baresip';

const DOMAIN = 'baresip.registrar.test';

describe('registrar with baresip', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  let node: RegistrarNode;
  let phone: Baresip | undefined;
  let loc: ReturnType<typeof locationOf>;

  before(async () => {
    stack = await getSharedStack();
    node = await startRegistrarNode(stack, { digestAlgorithms: 'MD5' });
    loc = locationOf(stack);
  });
  afterEach(async () => { await phone?.stop(); phone = undefined; });
  after(async () => {
    await node?.stop();
    await loc?.close();
  });

  it('registers; the 200 it receives lists its binding with its expiry and instance', async () => {
    const a = await newAccount(stack, DOMAIN);
    phone = await startBaresip({ ...a, proxyPort: node.sipPort });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !/SIP\/2\.0 200 OK[\s\S]*CSeq: \d+ REGISTER/.test(phone.output())) await new Promise((r) => setTimeout(r, 100));
    const out = phone.output();
    const ok = /SIP\/2\.0 200 OK\r?\n([\s\S]*?)\r?\n\r?\n/.exec(out);
    assert.ok(ok, `no 200 to REGISTER in baresip's trace:\n${out.slice(-3000)}`);
    const contact = /^Contact: (.*)$/m.exec(ok[1])?.[1] ?? '';
    assert.match(contact, new RegExp(`<sip:${a.user}-?[^@]*@127\\.0\\.0\\.1:${phone.sipPort}[^>]*>;expires=\\d+;\\+sip\\.instance="<urn:uuid:[0-9a-f-]+>"`));
    const [d] = await reachableDevices(loc.store, a.aor);
    assert.ok(d, 'binding in the location store');
    assert.match(d.device, /^urn:uuid:/);
    assert.equal(d.flow.port, phone.sipPort);
    assert.match(d.userAgent ?? '', /baresip/i);
  });
});

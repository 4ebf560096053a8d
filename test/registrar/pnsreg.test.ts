// RFC 8599 §4.1.4 / §5.6.1.1: the +sip.pnsreg feature-capability indicator (Feature-Caps, RFC 6809)
// in the 200 to a push REGISTER. A UA whose Contact carries the `sip.pnsreg` media feature tag can
// refresh its binding by itself; while push is enabled (the binding-refresh scheduler runs), the
// registrar answers `+sip.pnsreg="<seconds>"`: the minimum time before expiry at which it expects
// that UA's own refresh — push.refreshBeforeSeconds (or half the lifetime) + 10 s, so the UA
// refreshes before the binding-refresh push would be due. Without the tag, or with push disabled,
// only `+sip.pns` is sent (the UA refreshes when pushed). Real sipd, in-process registrar apps.
import assert from 'node:assert/strict';
import { createRegistrar, type RegistrarApp } from '@openline/registrar';
import { createLogger } from '@openline/log';
import type { StackHandle } from '@openline/stack';
import { getSharedStack } from '../support/stack';
import { startSipd, type SipdProcess } from '../support/sipd';
import { newAccount } from './support/nodes';
import { SipUdpClient } from './support/digest-client';

const DOMAIN = `pnsreg${process.pid}.reg.test`;

describe('registrar: +sip.pnsreg in Feature-Caps (RFC 8599 §5.6.1.1)', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  const nodes: Array<{ sipd: SipdProcess; app: RegistrarApp }> = [];
  let pushOn: { sipd: SipdProcess; app: RegistrarApp };
  let pushOff: { sipd: SipdProcess; app: RegistrarApp };
  let client: SipUdpClient | undefined;

  async function node(pushEnabled: boolean, refreshBeforeSeconds: number): Promise<{ sipd: SipdProcess; app: RegistrarApp }> {
    const sipd = await startSipd({ loglevel: 'warning' });
    const c = stack.config;
    const config = { ...c, push: { ...c.push, refreshBeforeSeconds, fcm: { ...c.push.fcm, enabled: pushEnabled }, apns: { ...c.push.apns, enabled: false } } };
    const app = createRegistrar({
      config, secrets: stack.secrets, logger: createLogger({ component: 'registrar', level: 'warn' }),
      sipd: { host: '127.0.0.1', port: sipd.adminPort, secret: sipd.secret }, keepaliveIntervalMs: 0,
    });
    await app.connected;
    const n = { sipd, app };
    nodes.push(n);
    return n;
  }

  before(async () => {
    stack = await getSharedStack();
    pushOn = await node(true, 120);
    pushOff = await node(false, 120);
  });
  afterEach(() => { client?.close(); client = undefined; });
  after(async () => {
    for (const n of nodes) {
      await n.app.close();
      await n.sipd.stop();
    }
  });

  async function register(n: { sipd: SipdProcess }, contactParams: string, expires: number): Promise<string | undefined> {
    const a = await newAccount(stack, DOMAIN);
    client = new SipUdpClient(n.sipd.sipPort);
    await client.open();
    const contact = `sip:${a.user}@127.0.0.1:${client.port};pn-provider=fcm;pn-prid=tok-${a.user};pn-param=proj`;
    const { final } = await client.register({ user: a.user, domain: DOMAIN, contact, contactParams, expires }, a.password, 'MD5');
    assert.equal(final.status, 200, final.raw);
    return final.get('feature-caps');
  }

  it('push enabled, Contact with +sip.pnsreg: Feature-Caps *;+sip.pns="fcm";+sip.pnsreg="130" (refreshBeforeSeconds 120 + 10)', async () => {
    assert.equal(await register(pushOn, ';+sip.pnsreg;+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000000a1>"', 3600),
      '*;+sip.pns="fcm";+sip.pnsreg="130"');
  });

  it('a short binding: the value follows the refresh push lead (half the lifetime) + 10 s, never the lifetime or more', async () => {
    // 100 s binding: the binding-refresh push is due 50 s before expiry; the UA is asked for 60.
    assert.equal(await register(pushOn, ';+sip.pnsreg', 100), '*;+sip.pns="fcm";+sip.pnsreg="60"');
  });

  it('push enabled, Contact without +sip.pnsreg: only +sip.pns (the UA refreshes when pushed)', async () => {
    assert.equal(await register(pushOn, '', 3600), '*;+sip.pns="fcm"');
  });

  it('push disabled (no binding-refresh scheduler): no +sip.pnsreg even when the UA offers it', async () => {
    assert.equal(await register(pushOff, ';+sip.pnsreg', 3600), '*;+sip.pns="fcm"');
  });
});

// The service registry's sipd entry starts the real bin/sipd with drachtio-style arguments on the
// run's ports, is ready when its admin port accepts, and stops by pid.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fs from 'node:fs';
import { isRunning, portFree, sipdService, startStack } from '@openline/stack';
import { secondaryPortBase, tempDataDir } from '../support/stack';

describe('stack registry: sipd as a supervised service', function () {
  this.timeout(60000);
  const dataDir = tempDataDir('sipd');
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts bin/sipd on base+60 (SIP) and base+22 (admin), waits for the admin port, stops it by pid', async () => {
    const h = await startStack({ dataDir, portBase: secondaryPortBase(), infrastructure: false, services: [sipdService] });
    const pid = h.pids().sipd;
    try {
      assert.ok(pid > 0);
      assert.ok(h.endpoints.some((e) => e.startsWith(`SIP       sip:127.0.0.1:${h.ports.sip}`)));
      await new Promise<void>((resolve, reject) => {
        const s = net.connect({ port: h.ports.sipdAdmin, host: '127.0.0.1' }, () => { s.end(); resolve(); });
        s.once('error', reject);
      });
      assert.equal(await portFree({ port: h.ports.sip, proto: 'udp' }), false, 'sipd listens for SIP over UDP');
    } finally {
      await h.stop();
    }
    assert.equal(isRunning(pid), false);
    assert.equal(await portFree({ port: h.ports.sipdAdmin, proto: 'tcp' }), true);
  });
});

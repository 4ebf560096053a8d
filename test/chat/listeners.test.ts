// Issue 10: ejabberd on loopback only — c2s, WebSocket, the component port, the REST admin API and
// the Erlang distribution port listen on 127.0.0.1 and nowhere else (read from the kernel's socket
// table), and the REST admin API refuses callers without the glue's credentials.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chatEnv, ChatEnv } from './support/chat';

/** Local addresses (hex, as in /proc/net/tcp[6]) of the sockets listening on `port`. */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = TCP_LISTEN
      const [addr, hexPort] = cols[1].split(':');
      if (parseInt(hexPort, 16) === port) out.push(addr);
    }
  }
  return out;
}

const LOOPBACK_V4 = '0100007F'; // 127.0.0.1, little-endian

describe('chat: ejabberd listens on loopback only', function () {
  this.timeout(60000);
  let e: ChatEnv;
  before(async () => { e = await chatEnv(); });

  for (const name of ['xmppC2s', 'xmppHttp', 'xmppComponent', 'xmppApi', 'xmppDist'] as const) {
    it(`the ${name} port listens on 127.0.0.1 only`, () => {
      const addrs = listeners(e.ports[name]);
      assert.ok(addrs.length > 0, `nothing listens on ${name} (${e.ports[name]})`);
      assert.deepEqual([...new Set(addrs)], [LOOPBACK_V4], `${name} (${e.ports[name]}) listens on ${addrs.join(', ')}`);
    });
  }

  it('the REST admin API refuses a call without credentials and with a wrong password', async () => {
    const url = `http://127.0.0.1:${e.ports.xmppApi}/api/registered_users`;
    const body = JSON.stringify({ host: e.domain });
    const none = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.ok([401, 403].includes(none.status), `no credentials: ${none.status}`);
    const wrong = await fetch(url, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`admin@${e.domain}:guess`).toString('base64')}` },
    });
    assert.ok([401, 403].includes(wrong.status), `wrong password: ${wrong.status}`);
    // The glue's own user, same command: answered.
    assert.ok(Array.isArray(await e.ctx.api.call('registered_users', { host: e.domain })));
  });
});

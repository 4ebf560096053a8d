// Acceptance (issue 4): a UDP client behind an nftables masquerade registers to an srf app on the
// real sipd and then receives an incoming INVITE through its NAT binding (the app sends to the
// registered private Contact with srf's `proxy` option set to the source address it recorded).
// Three network namespaces, created per run and deleted after:
//
//   client 10.201.1.2 ──veth── 10.201.1.1 router 10.201.2.1 ──veth── 10.201.2.2 server (sipd + app)
//                                (ip_forward, nft masquerade random on the server side)
//
// The server namespace has no route back to 10.201.1.0/24: everything sipd sends to the client
// must go to the masqueraded address and port, which only works through the NAT binding.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ip, NetNamespace, requireNetns } from '../sipd-webrtc/netns';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CLIENT = '10.201.1.2';
const ROUTER_IN = '10.201.1.1';
const ROUTER_OUT = '10.201.2.1';
const SERVER = '10.201.2.2';

interface Lines { text: string; events: Array<Record<string, unknown>> }

function collect(child: ChildProcess): Lines {
  const l: Lines = { text: '', events: [] };
  const on = (d: Buffer): void => {
    l.text += d.toString();
    for (const line of d.toString().split('\n')) {
      if (line.startsWith('{')) { try { l.events.push(JSON.parse(line) as Record<string, unknown>); } catch { /* partial */ } }
    }
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
  return l;
}

async function until(cond: () => boolean, ms: number, what: string, detail: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("UDP client behind an nftables masquerade: REGISTER, then an INVITE through its NAT binding", function () {
  this.timeout(60_000);
  const spaces: NetNamespace[] = [];
  const children: ChildProcess[] = [];

  before(() => {
    requireNetns();
    const [client, router, server] = ['snatc', 'snatr', 'snats'].map((p) => NetNamespace.create(p)) as [NetNamespace, NetNamespace, NetNamespace];
    spaces.push(client, router, server);
    ip('-n', client.name, 'link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'vrc', 'netns', router.name);
    ip('-n', server.name, 'link', 'add', 'vs', 'type', 'veth', 'peer', 'name', 'vrs', 'netns', router.name);
    ip('-n', client.name, 'addr', 'add', `${CLIENT}/24`, 'dev', 'vc');
    ip('-n', router.name, 'addr', 'add', `${ROUTER_IN}/24`, 'dev', 'vrc');
    ip('-n', router.name, 'addr', 'add', `${ROUTER_OUT}/24`, 'dev', 'vrs');
    ip('-n', server.name, 'addr', 'add', `${SERVER}/24`, 'dev', 'vs');
    for (const [ns, dev] of [[client, 'vc'], [router, 'vrc'], [router, 'vrs'], [server, 'vs']] as const) ip('-n', ns.name, 'link', 'set', dev, 'up');
    ip('-n', client.name, 'route', 'add', 'default', 'via', ROUTER_IN);
    router.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    router.exec('nft', ['add table ip nat; add chain ip nat post { type nat hook postrouting priority 100 ; policy accept ; } ; add rule ip nat post oifname "vrs" masquerade random']);
  });

  after(async () => {
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null) {
        try { process.kill(-c.pid, 'SIGTERM'); } catch { /* gone */ }
      }
    }
    await new Promise((r) => setTimeout(r, children.length ? 1500 : 0));
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null) {
        try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    for (const ns of spaces.reverse()) ns.delete();
  });

  function run(ns: NetNamespace, script: string, cfg: object): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--require', require.resolve('tsx/cjs'), path.join(__dirname, script), JSON.stringify(cfg)], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  }

  it('registers from behind the NAT (the app sees the public source), and the INVITE, ACK and BYE reach the client through its binding', async () => {
    const [client, , server] = spaces as [NetNamespace, NetNamespace, NetNamespace];
    const srv = collect(run(server, 'nat-server.ts', { repoRoot: REPO_ROOT, sipAddress: SERVER }));
    const has = (name: string): boolean => srv.events.some((e) => e.event === name || e.event === 'error');
    await until(() => has('ready'), 20_000, 'server ready', () => srv.text);
    assert.ok(!srv.events.some((e) => e.event === 'error'), srv.text);

    const cliProc = run(client, 'nat-client.ts', { local: CLIENT, server: SERVER });
    const cli = collect(cliProc);
    await new Promise<void>((resolve) => cliProc.once('exit', () => resolve()));
    const line = cli.text.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `client printed no result:\n${cli.text}\nserver:\n${srv.text}`);
    const r = JSON.parse(line.slice(7)) as Record<string, string | boolean>;
    assert.equal(r.ok, true, `client: ${String(r.error)}\nserver:\n${srv.text}`);

    // The app saw the REGISTER from the router's public address, not the client's private one.
    const reg = srv.events.find((e) => e.event === 'registered')!;
    assert.equal(reg.contact, `sip:carol@${CLIENT}:5060`);
    assert.match(String(reg.source), new RegExp(`^${ROUTER_OUT.replace(/\./g, '\\.')}:\\d+$`));
    // sipd filled rport although the client did not ask for it (drachtio: SERVER_RPORT 2).
    assert.match(String(r.registerStatus), /^SIP\/2\.0 200/);
    assert.match(String(r.registerVia), new RegExp(`rport=${String(reg.source).split(':')[1]}`));
    // The INVITE kept the private Contact as Request-URI and came through the NAT from sipd.
    assert.equal(r.inviteStart, `INVITE sip:carol@${CLIENT}:5060 SIP/2.0`);
    assert.equal(r.inviteFrom, `${SERVER}:5060`);
    // ACK and BYE followed the binding although the 200's Contact is the private address.
    assert.match(String(r.ackStart), /^ACK /);
    assert.match(String(r.byeStart), /^BYE /);
    await until(() => has('hung-up'), 5000, 'app saw its BYE answered', () => srv.text);
    assert.ok(!srv.events.some((e) => e.event === 'error'), srv.text);
  });
});

// Acceptance (issue 5): a binding whose flow is dead is removed. The registrar pings the bindings
// registered through its sipd with OPTIONS every registrar.keepaliveIntervalSeconds (1 s here);
// a TCP client that closed its connection (sipd: no flow, connection refused) and a UDP client
// that never answers lose their binding with a 'removed' event (reason flow-failed); a UDP client
// that answers stays registered. Clients: small loopback SIP clients below (MD5 digest).
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { StackHandle } from '@openline/stack';
import { channels, DEFAULT_PREFIX } from '@openline/location';
import { getSharedStack } from '../support/stack';
import { locationOf } from './support/location';
import { newAccount, startRegistrarNode, type RegistrarNode } from './support/nodes';
import { parseChallenge } from './support/digest-client';

const DOMAIN = 'keepalive.registrar.test';
const INTERVAL_MS = 1000;

interface SipMessage {
  start: string;
  headers: Array<[string, string]>;
  get(name: string): string | undefined;
  all(name: string): string[];
}

function parse(text: string): SipMessage {
  const lines = text.split('\r\n\r\n')[0].split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) headers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
  }
  const all = (n: string): string[] => headers.filter(([k]) => k === n).map(([, v]) => v);
  return { start: lines[0] ?? '', headers, get: (n) => all(n)[0], all };
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** A REGISTER client over UDP or TCP that answers OPTIONS with 200 while `answerOptions` is set. */
class KeepaliveClient {
  port = 0;
  options = 0;
  answerOptions = true;
  private udp: dgram.Socket | undefined;
  private tcp: net.Socket | undefined;
  private buffer = '';
  private waiting: ((m: SipMessage) => void) | undefined;
  private cseq = 0;
  private readonly callId = `${randomBytes(8).toString('hex')}@keepalive-test`;

  constructor(readonly transport: 'udp' | 'tcp', private readonly serverPort: number) {}

  async open(): Promise<void> {
    if (this.transport === 'udp') {
      const s = dgram.createSocket('udp4');
      this.udp = s;
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
      this.port = s.address().port;
      s.on('message', (buf) => this.onMessage(buf.toString('utf8')));
    } else {
      const s = net.connect({ host: '127.0.0.1', port: this.serverPort });
      this.tcp = s;
      await new Promise<void>((resolve, reject) => { s.once('connect', () => resolve()); s.once('error', reject); });
      s.on('error', () => undefined);
      this.port = s.localPort ?? 0;
      s.on('data', (d: Buffer) => this.onStream(d.toString('utf8')));
    }
  }

  /** TCP framing by Content-Length (RFC 3261 §18.3). */
  private onStream(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(this.buffer.slice(0, end))?.[1] ?? '0');
      if (this.buffer.length < end + 4 + len) return;
      const msg = this.buffer.slice(0, end + 4 + len);
      this.buffer = this.buffer.slice(end + 4 + len);
      this.onMessage(msg);
    }
  }

  private onMessage(text: string): void {
    const m = parse(text);
    if (m.start.startsWith('OPTIONS ')) {
      this.options++;
      if (!this.answerOptions) return;
      const copy = ['via', 'from', 'to', 'call-id', 'cseq'].flatMap((n) => m.all(n).map((v) => `${n === 'to' ? 'To' : cap(n)}: ${v}${n === 'to' && !/;tag=/.test(v) ? ';tag=ka' : ''}`));
      this.write(['SIP/2.0 200 OK', ...copy, 'Content-Length: 0', '', ''].join('\r\n'));
      return;
    }
    const code = Number(/^SIP\/2\.0 (\d{3})/.exec(m.start)?.[1] ?? '0');
    if (code >= 200) {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    }
  }

  private write(text: string): void {
    if (this.udp) this.udp.send(Buffer.from(text), this.serverPort, '127.0.0.1');
    else this.tcp?.write(text);
  }

  private send(user: string, authorization?: string): Promise<SipMessage> {
    this.cseq++;
    const t = this.transport.toUpperCase();
    const contact = `sip:${user}@127.0.0.1:${this.port}${this.transport === 'tcp' ? ';transport=tcp' : ''}`;
    const lines = [
      `REGISTER sip:${DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/${t} 127.0.0.1:${this.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${DOMAIN}>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${user}@${DOMAIN}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} REGISTER`,
      `Contact: <${contact}>`,
      'Expires: 300',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'Content-Length: 0', '', '',
    ];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response to REGISTER within 5 s')), 5000);
      this.waiting = (m) => { clearTimeout(timer); resolve(m); };
      this.write(lines.join('\r\n'));
    });
  }

  /** REGISTER answering the MD5 challenge (RFC 2617 / RFC 7616 qop=auth). */
  async register(user: string, password: string): Promise<number> {
    const challenge = await this.send(user);
    if (!challenge.start.includes(' 401 ')) return Number(challenge.start.slice(8, 11));
    const ch = challenge.all('www-authenticate').map(parseChallenge).find((c) => c?.algorithm === 'MD5');
    if (!ch) throw new Error('no MD5 challenge');
    const uri = `sip:${DOMAIN}`;
    const ha1 = md5(`${user}:${ch.realm}:${password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const cnonce = randomBytes(8).toString('hex');
    const auth = ch.qop
      ? `Digest username="${user}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${uri}", response="${md5(`${ha1}:${ch.nonce}:00000001:${cnonce}:auth:${ha2}`)}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`
      : `Digest username="${user}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${uri}", response="${md5(`${ha1}:${ch.nonce}:${ha2}`)}", algorithm=MD5`;
    const final = await this.send(user, auth);
    return Number(final.start.slice(8, 11));
  }

  close(): void {
    this.udp?.close();
    this.udp = undefined;
    this.tcp?.destroy();
    this.tcp = undefined;
  }
}

function cap(name: string): string {
  return name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name[0].toUpperCase() + name.slice(1);
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

interface RawEvent { e: string; aor: string; key: string; reason?: string }

describe('registrar keepalive (issue 5: a binding whose flow is dead is removed)', function () {
  this.timeout(60_000);
  let stack: StackHandle;
  let node: RegistrarNode;
  let loc: ReturnType<typeof locationOf>;
  let sub: Redis;
  const events: RawEvent[] = [];
  const presence: Array<{ aor: string; state: string }> = [];
  const clients: KeepaliveClient[] = [];

  before(async () => {
    stack = await getSharedStack();
    node = await startRegistrarNode(stack, { keepaliveIntervalSeconds: String(INTERVAL_MS / 1000) });
    loc = locationOf(stack);
    // Raw messages: the reason is read as published.
    sub = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
    const ch = channels(DEFAULT_PREFIX);
    sub.on('message', (channel: string, text: string) => {
      if (channel === ch.events) events.push(JSON.parse(text) as RawEvent);
      if (channel === ch.presence) presence.push(JSON.parse(text) as { aor: string; state: string });
    });
    await sub.subscribe(ch.events, ch.presence);
  });
  after(async () => {
    for (const c of clients) c.close();
    sub?.disconnect();
    await node?.stop();
    await loc?.close();
  });

  async function registered(transport: 'udp' | 'tcp'): Promise<{ client: KeepaliveClient; aor: string }> {
    const a = await newAccount(stack, DOMAIN, 'ka');
    const client = new KeepaliveClient(transport, node.sipPort);
    clients.push(client);
    await client.open();
    assert.equal(await client.register(a.user, a.password), 200);
    const [b] = await loc.store.lookup(a.aor);
    assert.equal(b?.flow.transport, transport);
    return { client, aor: a.aor };
  }

  it('removes a TCP binding within about two intervals of its connection closing, publishing removed (flow-failed)', async () => {
    const { client, aor } = await registered('tcp');
    client.close();
    const closedAt = Date.now();
    assert.ok(await until(async () => (await loc.store.lookup(aor)).length === 0, 4 * INTERVAL_MS), 'binding removed');
    const took = Date.now() - closedAt;
    assert.ok(took <= 2.5 * INTERVAL_MS + 500, `removed ${took} ms after the close`);
    assert.ok(await until(() => events.some((e) => e.aor === aor && e.e === 'removed'), 1000));
    const removed = events.filter((e) => e.aor === aor && e.e === 'removed');
    assert.deepEqual(removed.map((e) => e.reason), ['flow-failed']);
    assert.ok(await until(() => presence.some((p) => p.aor === aor && p.state === 'offline'), 1000), 'device offline');
  });

  it('keeps a UDP binding whose client answers the OPTIONS pings', async () => {
    const { client, aor } = await registered('udp');
    assert.ok(await until(() => client.options >= 2, 4 * INTERVAL_MS), `pinged ${client.options} times`);
    assert.equal((await loc.store.lookup(aor)).length, 1);
    assert.equal(events.filter((e) => e.aor === aor && e.e === 'removed').length, 0);
  });

  it('removes a UDP binding whose client stops answering (no answer within the interval)', async () => {
    const { client, aor } = await registered('udp');
    client.answerOptions = false;
    assert.ok(await until(async () => (await loc.store.lookup(aor)).length === 0, 5 * INTERVAL_MS), 'binding removed');
    assert.ok(client.options >= 1, 'it was pinged');
    assert.ok(await until(() => events.some((e) => e.aor === aor && e.e === 'removed' && e.reason === 'flow-failed'), 1000));
  });

  it('stops promptly on SIGTERM while pings are outstanding, without keepalive errors', async () => {
    const { client } = await registered('udp');
    client.answerOptions = false;
    await until(() => client.options >= 1, 2 * INTERVAL_MS);
    const t0 = Date.now();
    await node.registrar.stop();
    assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
    assert.doesNotMatch(node.registrar.output(), /keepalive cycle failed|dead binding not removed|keepalive ping failed/);
  });
});

// drachtio-server behaviour switches sipd honours: --user-agent-options-auto-respond,
// --always-send-180, --reject-register-with-no-realm, and the 503 when no app routes a method.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { startSipd, type SipdProcess } from '../support/sipd';

interface Reply { status: number; reason: string; raw: string }

/** A tiny UDP client: sends a request, collects every response for its Call-ID. */
class UdpPhone {
  private readonly sock: Socket = createSocket('udp4');
  private readonly got = new Map<string, Reply[]>();
  port = 0;

  async open(): Promise<void> {
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
    this.sock.on('message', (buf) => {
      const raw = buf.toString();
      const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(raw);
      const callId = /\r\nCall-ID:\s*([^\r\n]+)/i.exec(raw)?.[1]?.trim();
      if (!m || !callId) return;
      const list = this.got.get(callId) ?? [];
      list.push({ status: Number(m[1]), reason: m[2] ?? '', raw });
      this.got.set(callId, list);
    });
  }

  send(sipPort: number, method: string, uri: string, callId: string, extra: string[] = []): void {
    const lines = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${callId.replace(/\W/g, '')};rport`,
      'Max-Forwards: 70',
      `From: <sip:alice@example.com>;tag=${callId.length}a`,
      'To: <sip:bob@example.com>',
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:alice@127.0.0.1:${this.port}>`,
      ...extra,
      'Content-Length: 0',
      '', '',
    ];
    this.sock.send(lines.join('\r\n'), sipPort, '127.0.0.1');
  }

  async waitFor(callId: string, pred: (r: Reply[]) => boolean, ms = 3000): Promise<Reply[]> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const list = this.got.get(callId) ?? [];
      if (pred(list)) return list;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.got.get(callId) ?? [];
  }

  close(): void {
    this.sock.close();
  }
}

describe('sipd drachtio behaviour switches', function () {
  this.timeout(20000);
  let sipd: SipdProcess;
  let phone: UdpPhone;

  before(async () => {
    sipd = await startSipd({
      extraArgs: ['--user-agent-options-auto-respond', 'keepalive-probe/1.0', '--always-send-180', '--reject-register-with-no-realm'],
    });
    phone = new UdpPhone();
    await phone.open();
  });

  after(async () => {
    phone.close();
    assert.equal(await sipd.stop(), 0, 'sipd exits 0 on SIGTERM');
  });

  it('answers 503 when no app routes the method (drachtio-server default)', async () => {
    phone.send(sipd.sipPort, 'MESSAGE', 'sip:bob@example.com', 'beh-503');
    const r = await phone.waitFor('beh-503', (l) => l.some((x) => x.status >= 200));
    assert.deepEqual(r.map((x) => x.status), [503]);
  });

  it('answers 200 itself to OPTIONS whose User-Agent matches --user-agent-options-auto-respond', async () => {
    phone.send(sipd.sipPort, 'OPTIONS', 'sip:127.0.0.1', 'beh-ua', ['User-Agent: keepalive-probe/1.0']);
    const r = await phone.waitFor('beh-ua', (l) => l.some((x) => x.status >= 200));
    assert.deepEqual(r.map((x) => x.status), [200]);
    phone.send(sipd.sipPort, 'OPTIONS', 'sip:127.0.0.1', 'beh-ua2', ['User-Agent: other']);
    const r2 = await phone.waitFor('beh-ua2', (l) => l.some((x) => x.status >= 200));
    assert.deepEqual(r2.map((x) => x.status), [503], 'another User-Agent is not auto-answered');
  });

  it('refuses REGISTER to an IP address with 403 under --reject-register-with-no-realm', async () => {
    phone.send(sipd.sipPort, 'REGISTER', 'sip:127.0.0.1', 'beh-reg');
    const r = await phone.waitFor('beh-reg', (l) => l.some((x) => x.status >= 200));
    assert.deepEqual(r.map((x) => x.status), [403]);
  });

  it('sends 100 Trying then 180 Ringing at once for a new INVITE under --always-send-180', async () => {
    phone.send(sipd.sipPort, 'INVITE', 'sip:bob@example.com', 'beh-180');
    const r = await phone.waitFor('beh-180', (l) => l.some((x) => x.status >= 200));
    const statuses = r.map((x) => x.status);
    assert.equal(statuses[0], 100);
    assert.equal(statuses[1], 180);
    assert.ok(/\r\nTo:[^\r\n]*;tag=/i.test(r[1]!.raw), '180 carries a To tag');
    assert.equal(statuses[statuses.length - 1], 503, 'no app routes INVITE: final 503');
  });

  it('logs no error and counts every request in its metrics', async () => {
    const out = sipd.output();
    assert.ok(!/"level":(50|60)/.test(out), `no error logs: ${out.slice(-500)}`);
    assert.ok((await sipd.metric('drachtio_sip_requests_in_total')) >= 5);
  });
});

// Runs INSIDE the client namespace of the NAT test, behind the masquerading router: a tiny UDP
// SIP client on its private address. It registers (Via without rport: sipd must add it, as
// drachtio does), then expects the app's INVITE through its NAT binding, answers it, and expects
// the ACK and the BYE the same way. Prints `RESULT <json>`.
//   node --require tsx/cjs nat-client.ts '<json {local, server}>'
import dgram from 'node:dgram';

interface Msg { start: string; headers: Map<string, string>; raw: string; from: string }

function parse(text: string, from: string): Msg {
  const [head = ''] = text.split('\r\n\r\n');
  const [start = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0 && !headers.has(l.slice(0, i).trim().toLowerCase())) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { start, headers, raw: text, from };
}

function reply(req: Msg, status: string, extra = '', body = ''): string {
  const copy = req.raw.split('\r\n\r\n')[0]!.split('\r\n').slice(1).filter((l) => /^(via|from|to|call-id|cseq)\s*:/i.test(l))
    .map((l) => (/^to\s*:/i.test(l) && !/tag=/.test(l) ? `${l};tag=natclient` : l));
  return `SIP/2.0 ${status}\r\n${copy.join('\r\n')}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as { local: string; server: string };
  const result: Record<string, unknown> = { ok: false };
  const sock = dgram.createSocket('udp4');
  const inbox: Msg[] = [];
  sock.on('message', (d, rinfo) => inbox.push(parse(d.toString(), `${rinfo.address}:${rinfo.port}`)));
  await new Promise<void>((resolve) => sock.bind(5060, cfg.local, resolve));
  const next = async (pred: (m: Msg) => boolean, what: string, ms = 8000): Promise<Msg> => {
    const end = Date.now() + ms;
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const send = (text: string): void => void sock.send(text, 5060, cfg.server);
  const contact = `sip:carol@${cfg.local}:5060`;
  try {
    send(`REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP ${cfg.local}:5060;branch=z9hG4bKnatreg1\r\nMax-Forwards: 70\r\nFrom: <sip:carol@example.com>;tag=nc1\r\nTo: <sip:carol@example.com>\r\nCall-ID: nat-reg-1@${cfg.local}\r\nCSeq: 1 REGISTER\r\nContact: <${contact}>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n`);
    const ok = await next((m) => m.start.startsWith('SIP/2.0') && (m.headers.get('cseq') ?? '').includes('REGISTER'), 'REGISTER response');
    result.registerStatus = ok.start;
    result.registerVia = ok.headers.get('via');
    const invite = await next((m) => m.start.startsWith('INVITE '), 'INVITE');
    result.inviteStart = invite.start;
    result.inviteFrom = invite.from;
    const sdp = `v=0\r\no=- 2 2 IN IP4 ${cfg.local}\r\ns=-\r\nc=IN IP4 ${cfg.local}\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n`;
    send(reply(invite, '200 OK', `Contact: <${contact}>\r\nContent-Type: application/sdp\r\n`, sdp));
    const ack = await next((m) => m.start.startsWith('ACK '), 'ACK');
    result.ackStart = ack.start;
    const bye = await next((m) => m.start.startsWith('BYE '), 'BYE');
    result.byeStart = bye.start;
    send(reply(bye, '200 OK'));
    result.ok = true;
  } catch (err) {
    result.error = String(err);
  }
  await new Promise((r) => setTimeout(r, 100));
  sock.close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

void main();

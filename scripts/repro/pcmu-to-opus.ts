// Reproduction for issue 9's PCMU → opus silence, without a browser: a running rtpengine (ng on
// NG_PORT), one call through packages/media like the B2BUA makes it (a G.711-only SIP phone
// with a=ssrc, as baresip sends it, calling a client that answers opus only), a 1 kHz PCMU tone
// sent into the SIP side. It prints the a=ssrc rtpengine copies into the SDP towards the opus side
// and the SSRC the transcoded opus actually carries: they differ, and Chrome (which binds its
// receiver to the signalled SSRC) then plays silence. The opus payloads go to OUT (one line per
// packet: payload type, then the payload in hex) for decoding with libopus: they hold the tone.
// Plain RTP/AVP replaces the browser's DTLS-SRTP so the packets can be read (the 'sip' profile
// also keeps packages/media from removing a=ssrc, which it does only towards WebRTC legs).
//   NG_PORT=52399 OUT=/tmp/opus.txt npx tsx scripts/repro/pcmu-to-opus.ts
import dgram from 'node:dgram';
import fs from 'node:fs';
import { RtpEngineMediaServer } from '../../packages/media/src';

const ngPort = Number(process.env.NG_PORT ?? 52399);
const out = process.env.OUT ?? '/tmp/opus.txt';
/** Overrides of the browser's answer, e.g. OPUS_FMTP='minptime=10;useinbandfec=1;stereo=1'. */
const opusFmtp = process.env.OPUS_FMTP ?? 'minptime=10;useinbandfec=1';
const seconds = Number(process.env.SECONDS ?? 2);
const PHONE_SSRC = 0x1234abcd;

/** G.711 µ-law encoding of a 16-bit sample (ITU-T G.711). */
function ulaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mant = (s >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mant) & 0xff;
}

async function bind(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function portOf(sdp: string): number {
  const m = /^m=audio (\d+)/m.exec(sdp);
  if (!m) throw new Error(`no m=audio in\n${sdp}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const phone = await bind();
  const browser = await bind();
  const media = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: ngPort }], pingIntervalMs: 0 });
  const ep = await media.createEndpoint(`repro-${Date.now()}`);
  const phoneSdp = [
    'v=0', `o=phone 1 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${phone.address().port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15', `a=ssrc:${PHONE_SSRC} cname:phone@repro`, 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
  // The browser leg's profile is 'sip' here only to get plain RTP; its codec list is WebRTC's.
  const toBrowser = await ep.offer({ from: 'phone', to: 'browser', sdp: phoneSdp, toProfile: { kind: 'sip', codecs: ['opus', 'PCMU', 'PCMA'] }, initial: true });
  console.log('--- offer to browser\n' + toBrowser);
  const opusPt = /^a=rtpmap:(\d+) opus\/48000\/2/m.exec(toBrowser)?.[1];
  if (!opusPt) throw new Error('rtpengine offered no opus');
  const browserSdp = [
    'v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${browser.address().port} RTP/AVP ${opusPt}`, `a=rtpmap:${opusPt} opus/48000/2`, `a=fmtp:${opusPt} ${opusFmtp}`,
    'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
  const toPhone = await ep.answer({ offerer: 'phone', answerer: 'browser', sdp: browserSdp, offererProfile: { kind: 'sip' }, initial: true });
  console.log('--- answer to phone\n' + toPhone);

  const lines: string[] = [];
  const ssrcs = new Set<number>();
  browser.on('message', (m) => {
    ssrcs.add(m.readUInt32BE(8));
    lines.push(`${m[1] & 0x7f} ${m.subarray(12 + (m[0] & 0x0f) * 4).toString('hex')}`);
  });
  const rtpToPhoneSide = portOf(toBrowser);
  // The browser side sends too (rtpengine learns its address; like a real call, both ways).
  const rtpToBrowserSide = portOf(toPhone);
  let seq = 0;
  let ts = 0;
  const ssrc = PHONE_SSRC;
  const timer = setInterval(() => {
    const pkt = Buffer.alloc(12 + 160);
    pkt[0] = 0x80; pkt[1] = 0; pkt.writeUInt16BE(seq & 0xffff, 2); pkt.writeUInt32BE(ts >>> 0, 4); pkt.writeUInt32BE(ssrc, 8);
    for (let i = 0; i < 160; i++) pkt[12 + i] = ulaw(Math.round(16384 * Math.sin((2 * Math.PI * 1000 * (ts + i)) / 8000)));
    phone.send(pkt, rtpToBrowserSide, '127.0.0.1');
    seq++; ts += 160;
  }, 20);
  void rtpToPhoneSide;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 200));
  fs.writeFileSync(out, lines.join('\n') + '\n');
  console.log(`--- ${lines.length} packets towards the browser written to ${out}`);
  const signalled = [...toBrowser.matchAll(/^a=ssrc:(\d+)/gm)].map((m) => Number(m[1]));
  console.log(`phone sent SSRC ${PHONE_SSRC}; SDP towards the browser signals a=ssrc ${JSON.stringify(signalled)}; `
    + `the transcoded opus arrives with SSRC ${JSON.stringify([...ssrcs])}`);
  console.log(JSON.stringify(await ep.stats()));
  await ep.destroy();
  await media.close();
  phone.close();
  browser.close();
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });

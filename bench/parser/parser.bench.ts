// Micro-benchmark of the sipd parser: ns per parseMessage of a typical INVITE with SDP and a
// typical REGISTER, ns per serializeMessage, and the structured parses a proxy does per request.
// Run: npx tsx bench/parser/parser.bench.ts [iterations]
// tsx's module interop (getter-based exports) costs ~2x on this code; for the figures of the
// tsc-built server, compile first:
//   npx tsc --outDir /tmp/parser-bench --rootDir . --module commonjs --target ES2022 \
//     --esModuleInterop --strict --skipLibCheck --types node bench/parser/parser.bench.ts
//   node /tmp/parser-bench/bench/parser/parser.bench.js
import {
  parseMessage, parseNameAddr, parseUri, serializeMessage, topVia,
} from '../../apps/sipd/src/parser';
import type { SipMessage } from '../../apps/sipd/src/parser';
import os from 'node:os';

const CRLF = '\r\n';
const sdp = [
  'v=0', 'o=alice 2890844526 2890844526 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0',
  'm=audio 49170 RTP/AVP 0 8 9 18 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:9 G722/8000',
  'a=rtpmap:18 G729/8000', 'a=fmtp:18 annexb=no', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16',
  'a=ptime:20', 'a=sendrecv', '',
].join(CRLF);

const invite = Buffer.from([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.10:5060;transport=udp>',
  'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, PRACK',
  'Supported: replaces, timer, 100rel',
  'User-Agent: openline-bench/1.0',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(sdp)}`,
  '',
  sdp,
].join(CRLF));

const register = Buffer.from([
  'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKnashds7;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Bob <sip:bob@biloxi.example.com>;tag=456248',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'Contact: <sip:bob@192.0.2.20:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"',
  'Expires: 3600',
  'User-Agent: openline-bench/1.0',
  'Content-Length: 0',
  '',
  '',
].join(CRLF));

function mustParse(buf: Buffer): SipMessage {
  const r = parseMessage(buf);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

/** ns/op over 7 rounds of `n` calls: the best round (least disturbed) and the median. */
function measure(name: string, n: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(n, 20000); i++) fn(); // warm-up (JIT)
  const rounds = 7;
  const results: number[] = [];
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (fn() !== undefined) sink++;
    const t1 = process.hrtime.bigint();
    results.push(Number(t1 - t0) / n);
  }
  results.sort((a, b) => a - b);
  const best = results[0]!;
  const median = results[Math.floor(rounds / 2)]!;
  const perSec = Math.round(1e9 / best).toLocaleString('en-US');
  console.log(`${name.padEnd(46)} best ${best.toFixed(0).padStart(6)} ns  median ${median.toFixed(0).padStart(6)} ns  ${perSec.padStart(10)} /s${sink > 0 ? '' : ' (no result!)'}`);
  return best;
}

const n = Number(process.argv[2] ?? 200000);
const inv = mustParse(invite);
const reg = mustParse(register);
console.log(`node ${process.version}, ${n} iterations x 7 rounds; INVITE ${invite.length} B, REGISTER ${register.length} B; load ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs`);
// Machine yardstick: one charCodeAt pass over the INVITE text (the floor for any JS scanner).
const inviteText = invite.toString('latin1');
measure('calibration: one charCodeAt pass over INVITE', n, () => {
  let x = 0;
  for (let i = 0; i < inviteText.length; i++) x += inviteText.charCodeAt(i);
  return x;
});
measure('parseMessage INVITE+SDP', n, () => parseMessage(invite));
measure('parseMessage REGISTER', n, () => parseMessage(register));
measure('serializeMessage INVITE+SDP', n, () => serializeMessage(inv));
measure('serializeMessage REGISTER', n, () => serializeMessage(reg));
measure('parse INVITE + topVia + From/To tags + R-URI', n, () => {
  const r = parseMessage(invite);
  if (!r.ok) return undefined;
  const m = r.message;
  return [topVia(m), parseNameAddr(m.get('from')!)?.params.get('tag'), parseNameAddr(m.get('to')!), parseUri(m.kind === 'request' ? m.uri : '')];
});
measure('parse + serialize INVITE (proxy round trip)', n, () => {
  const r = parseMessage(invite);
  return r.ok ? serializeMessage(r.message) : undefined;
});

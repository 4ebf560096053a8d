// CDR rows for the bench, written straight as LOAD DATA text (tab-separated, \N for NULL,
// backslash escapes), in the cdrs column order: a million rows load in seconds instead of minutes.
// Deterministic (seeded). The shape: 90 days, 5000 accounts of which one is a busy PBX account
// (5% of all calls), 20 trunks, numbers from a few countries, most calls answered.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { CDR_COLUMNS } from '@openline/cdr';

export const BENCH_DAYS = 90;
export const BENCH_ACCOUNTS = 5000;
export const HEAVY_ACCOUNT = 1;
export const BENCH_TRUNKS = 20;

/** mulberry32: small, fast and seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIXES = ['+4930', '+4940', '+4989', '+14155', '+1212', '+3314', '+44207', '+4822', '+3906', '+3491'];
const hex = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
};
const uuid = (r: () => number): string => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${'89ab'[Math.floor(r() * 4)]}${hex(r, 3)}-${hex(r, 12)}`;
const sqlTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

function esc(v: string | number | null): string {
  if (v === null) return '\\N';
  return typeof v === 'number' ? String(v) : v.replace(/[\\\t\n]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\\\'));
}

/** One row's values in CDR_COLUMNS order; `end` is the newest start time (ms). */
export function benchRow(r: () => number, end: number, i: number): Array<string | number | null> {
  const account = (): number => (r() < 0.05 ? HEAVY_ACCOUNT : 2 + Math.floor(r() * (BENCH_ACCOUNTS - 1)));
  const num = (): string => PREFIXES[Math.floor(r() * PREFIXES.length)] + String(Math.floor(r() * 1e7)).padStart(7, '0');
  const x = r();
  const direction = x < 0.4 ? 'onnet' : x < 0.8 ? 'outbound' : 'inbound';
  const y = r();
  const disposition = y < 0.65 ? 'answered' : y < 0.75 ? 'busy' : y < 0.87 ? 'no-answer' : y < 0.93 ? 'failed' : 'cancelled';
  const status = { answered: 200, busy: 486, 'no-answer': 480, failed: r() < 0.5 ? 503 : 404, cancelled: 487 }[disposition];
  const start = end - Math.floor(r() * BENCH_DAYS * 86_400_000);
  const setup = 50 + Math.floor(r() * 1500);
  const ring = disposition === 'failed' ? 0 : 500 + Math.floor(r() * 15_000);
  const talk = disposition === 'answered' ? Math.floor(r() * 900_000) : 0;
  const ringing = disposition === 'failed' ? null : start + setup;
  const answer = disposition === 'answered' ? start + setup + ring : null;
  const stop = start + setup + ring + talk;
  const callerLocal = direction !== 'inbound';
  const calleeLocal = direction !== 'outbound';
  const ca = callerLocal ? account() : null;
  const cb = calleeLocal ? account() : null;
  const trunk = direction === 'onnet' ? null : 1 + Math.floor(r() * BENCH_TRUNKS);
  const media = answer === null ? null
    : `{"packetsIn":${Math.floor(r() * 40000)},"packetsOut":${Math.floor(r() * 40000)},"bytesIn":null,"bytesOut":null,"packetsLost":${Math.floor(r() * 30)},"jitterMs":${Math.round(r() * 300) / 10},"mos":${Math.round((3 + r() * 1.5) * 100) / 100}}`;
  return [
    uuid(r), `call-${i}`, `${hex(r, 16)}@a.bench`, disposition === 'failed' ? null : `${hex(r, 16)}@b.bench`,
    ca, ca === null ? null : `u${ca}`, num(), ca === null ? null : `<urn:uuid:${uuid(r)}>`, null,
    cb, cb === null ? null : `u${cb}`, num(), cb === null ? null : `<urn:uuid:${uuid(r)}>`, null,
    direction, trunk, trunk === null ? null : `trunk-${trunk}`,
    sqlTime(start), ringing === null ? null : sqlTime(ringing), answer === null ? null : sqlTime(answer), sqlTime(stop),
    setup, ring, talk, disposition, status, status === 200 ? 'OK' : 'Error', null, null, null, r() < 0.5 ? 'caller' : 'callee',
    answer === null ? null : 'opus/48000/2', answer === null ? null : 'PCMA/8000', media, media, null, null, null,
    r() < 0.5 ? 'node-a' : 'node-b', '{}',
  ];
}

/** Writes `n` rows to `file` (LOAD DATA's default text format). */
export async function writeRows(file: string, n: number, seed: number, end: number, offset: number): Promise<void> {
  if (CDR_COLUMNS.length !== 40) throw new Error('cdrs columns changed: update benchRow()');
  const out = createWriteStream(file);
  const r = prng(seed);
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += `${benchRow(r, end, offset + i).map(esc).join('\t')}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

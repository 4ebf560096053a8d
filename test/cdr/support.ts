// Generated CDRs for the CDR store suites: deterministic (seeded), varied over every filtered
// field, with many equal start times so the (startTime, id) keyset's tie-break is exercised.
import { randomUUID } from 'node:crypto';
import { cdrDurations, CdrDirection, CdrDisposition, CdrMediaStats, CdrRecord } from '@openline/cdr';

/** mulberry32: a small seeded PRNG, so a failing run can be repeated exactly. */
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

const PREFIXES = ['+4930', '+4940', '+4989', '+14155', '+1212', '+3314', '+44207'];
const STATUS_OF: Record<CdrDisposition, number[]> = {
  answered: [200], busy: [486, 600], 'no-answer': [480, 408], failed: [404, 403, 503, 500], cancelled: [487],
};

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function number(r: () => number): string {
  return pick(r, PREFIXES) + String(Math.floor(r() * 1e6)).padStart(6, '0');
}

function media(r: () => number): CdrMediaStats | null {
  if (r() < 0.2) return null;
  return {
    packetsIn: Math.floor(r() * 5000), packetsOut: Math.floor(r() * 5000), bytesIn: Math.floor(r() * 900000),
    bytesOut: Math.floor(r() * 900000), packetsLost: Math.floor(r() * 20), jitterMs: Math.round(r() * 400) / 10,
    mos: r() < 0.5 ? null : Math.round((1 + r() * 4) * 100) / 100,
  };
}

export interface GenOptions {
  /** Start times fall in [base, base + spanMs). */
  base: Date;
  spanMs: number;
  seed: number;
}

/** One generated CDR; `i` makes the call ids readable in failures. */
export function genCdr(r: () => number, o: GenOptions, i: number): CdrRecord {
  const direction: CdrDirection = pick(r, ['onnet', 'onnet', 'outbound', 'outbound', 'inbound'] as const);
  const disposition: CdrDisposition = pick(r, ['answered', 'answered', 'answered', 'busy', 'no-answer', 'failed', 'cancelled'] as const);
  // A coarse grid of start times (10 min steps) so several CDRs share one startTime.
  const start = new Date(o.base.getTime() + Math.floor((r() * o.spanMs) / 600_000) * 600_000 + (r() < 0.6 ? 0 : Math.floor(r() * 600_000)));
  const ringing = disposition === 'failed' && r() < 0.7 ? null : new Date(start.getTime() + 50 + Math.floor(r() * 2000));
  const answer = disposition === 'answered' ? new Date((ringing ?? start).getTime() + 100 + Math.floor(r() * 15000)) : null;
  const end = new Date((answer ?? ringing ?? start).getTime() + (answer ? Math.floor(r() * 600_000) : Math.floor(r() * 30_000)));
  const account = (): number => 1 + Math.floor(r() * 12);
  const trunkId = direction === 'onnet' ? null : 1 + Math.floor(r() * 4);
  const local = (): CdrRecord['caller'] => {
    const id = account();
    return { accountId: id, username: `user${id}`, number: r() < 0.9 ? number(r) : null, device: `<urn:uuid:${randomUUID()}>`, displayName: r() < 0.5 ? `Usér ${id} ☎` : null };
  };
  const pstn = (): CdrRecord['caller'] => ({ accountId: null, username: null, number: number(r), device: null, displayName: null });
  const transferred = r() < 0.05;
  const sipStatus = pick(r, STATUS_OF[disposition]);
  const rec: CdrRecord = {
    id: randomUUID(),
    callId: `call-${o.seed}-${i}`,
    aLegCallId: `${randomUUID()}@a.example`,
    bLegCallId: disposition === 'failed' && r() < 0.5 ? null : `${randomUUID()}@b.example`,
    caller: direction === 'inbound' ? pstn() : local(),
    callee: direction === 'outbound' ? pstn() : local(),
    direction,
    trunkId,
    trunkName: trunkId === null ? null : `trunk-${trunkId}`,
    startTime: start,
    ringingTime: ringing,
    answerTime: answer,
    endTime: end,
    ...cdrDurations({ startTime: start, ringingTime: ringing, answerTime: answer, endTime: end }),
    disposition,
    sipStatus,
    sipReason: sipStatus === 200 ? 'OK' : `Reason ${sipStatus}`,
    hangupCause: r() < 0.4 ? { protocol: r() < 0.5 ? 'Q.850' : 'SIP', cause: 16 + Math.floor(r() * 10), text: r() < 0.5 ? 'Normal call clearing' : null } : null,
    hangupSide: pick(r, ['caller', 'callee', 'system'] as const),
    codecs: { aLeg: answer ? pick(r, ['opus/48000/2', 'PCMU/8000']) : null, bLeg: answer ? pick(r, ['PCMA/8000', 'PCMU/8000', 'G729/8000']) : null },
    media: { aLeg: answer ? media(r) : null, bLeg: answer ? media(r) : null },
    transferredFrom: transferred ? randomUUID() : null,
    transferredTo: null,
    transferKind: transferred ? pick(r, ['blind', 'attended'] as const) : null,
    nodeId: pick(r, ['node-a', 'node-b']),
    tags: r() < 0.3 ? { tenant: pick(r, ['acme', 'globex']), 'région': 'Zürich' } : {},
  };
  return rec;
}

export function genCdrs(n: number, o: GenOptions): CdrRecord[] {
  const r = prng(o.seed);
  return Array.from({ length: n }, (_, i) => genCdr(r, o, i));
}

/** (startTime, id) order. */
export function byKey(a: CdrRecord, b: CdrRecord): number {
  const d = a.startTime.getTime() - b.startTime.getTime();
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Inserts in chunks of parallel inserts (the way a busy B2BUA writes). */
export async function insertAll(store: { insert(c: CdrRecord): Promise<void> }, cdrs: readonly CdrRecord[], parallel = 20): Promise<void> {
  for (let i = 0; i < cdrs.length; i += parallel) await Promise.all(cdrs.slice(i, i + parallel).map((c) => store.insert(c)));
}

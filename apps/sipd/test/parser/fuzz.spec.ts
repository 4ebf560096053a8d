/// <reference types="mocha" />
// Robustness of the parser against hostile input (RFC 3261 §18.3 "a server MUST be prepared to
// receive any octets"; RFC 4475 §1 "implementations must not crash"). Mutated valid messages
// and random strings go through parseMessage (without its safety net) and every parseX
// function: nothing may throw, no call may take over 50 ms, and the heap must stay flat.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import {
  formatNameAddr, formatParams, formatUri, formatVia, isValidNameAddr, isValidUri, isValidVia, parseCSeq, parseNameAddr, parseParams, parseUri,
  parseVia, serializeMessage, SipRequest,
} from '../../src/parser';
import type { ParseResult } from '../../src/parser';
import { parseUnguarded } from '../../src/parser/parse-message';
import { FIXTURE_DIR, fixture } from './fixtures';
import { BASE_REQUEST, BASE_RESPONSE, msg } from './build';

const HANG_MS = 50;
const RUNS = 14_000; // per message property; 6 of them + 5 string properties ≈ 104,000 inputs

/** A GC we can call: global.gc when exposed, else the V8 flag trick. */
function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as () => void) : undefined;
  } catch {
    return undefined;
  }
}
const gc = getGc();

/**
 * Runs fn; if it took longer than HANG_MS wall time, runs it twice more and fails only when
 * every run is slow (a descheduled process on a busy 2-core box is not a hang).
 */
function timed<T>(what: string, fn: () => T): T {
  let t0 = performance.now();
  let out = fn();
  let best = performance.now() - t0;
  for (let i = 0; i < 2 && best > HANG_MS; i++) {
    t0 = performance.now();
    out = fn();
    best = Math.min(best, performance.now() - t0);
  }
  assert.ok(best <= HANG_MS, `${what} took ${best.toFixed(1)} ms`);
  return out;
}

const ALLOWED_STATUS = new Set([undefined, 416, 505, 513]);

/** parseMessage must return a well-formed result; structured parsers must not throw on its values. */
function check(buf: Buffer): void {
  const r: ParseResult = timed('parseMessage', () => parseUnguarded(buf));
  if (!r.ok) {
    assert.equal(typeof r.reason, 'string');
    assert.ok(!/[\r\n]/.test(r.reason), 'reason is one line');
    assert.ok(ALLOWED_STATUS.has(r.status), `status ${String(r.status)}`);
    if (r.partial !== undefined) assert.ok(r.partial instanceof SipRequest);
    return;
  }
  const m = r.message;
  assert.ok(m.body.length <= buf.length);
  for (const h of m.headers) {
    assert.ok(!h.value.includes('\n'), 'no LF inside a header value');
    for (const v of m.getAll(h.key)) {
      assert.equal(isValidVia(v), timed('parseVia', () => parseVia(v)) !== undefined);
      assert.equal(isValidNameAddr(v), timed('parseNameAddr', () => parseNameAddr(v)) !== undefined);
      timed('parseCSeq', () => parseCSeq(v));
      timed('parseParams', () => parseParams(v));
    }
  }
  // What was parsed serialises to something that parses again (the serialised form is canonical).
  const again = timed('parse(serialize)', () => parseUnguarded(serializeMessage(m)));
  assert.ok(again.ok, again.ok ? '' : again.reason);
  assert.deepEqual(again.message.body, m.body);
}

// Seed corpus: every torture message the parser accepts, plus plain INVITE/200 with a body.
const SEEDS: Buffer[] = [
  msg([...BASE_REQUEST, 'Content-Type: application/sdp', 'Content-Length: 31'], 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n'),
  msg(BASE_RESPONSE),
  ...readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.sip')).map((f) => fixture(f.slice(0, -4))),
];

const seed = fc.constantFrom(...SEEDS);
const HEADER_NAMES = ['Via', 'v', 'From', 'To', 't', 'Call-ID', 'CSeq', 'Contact', 'Content-Length', 'l', 'Max-Forwards', 'Route', 'X-Any', 'Require'];
const NASTY = ';,"<>%\\: \t[]@=?&*/\r\n\x00\x7f\xff';
const nastyChar = fc.constantFrom(...NASTY.split(''), 'a', '0', 'Z', '.', '-');
const nastyString = fc.array(nastyChar, { maxLength: 200, size: 'large' }).map((a) => a.join(''));

function lines(buf: Buffer): string[] {
  return buf.toString('latin1').split('\r\n');
}
function fromLines(ls: string[]): Buffer {
  return Buffer.from(ls.join('\r\n'), 'latin1');
}

let heapBefore = 0;

describe('parser fuzzing: no exception, no hang, flat heap (RFC 4475 §1)', function () {
  this.timeout(120_000);

  before(() => {
    gc?.();
    heapBefore = process.memoryUsage().heapUsed;
  });

  describe('mutated messages', () => {
  it('the seeds parse, so mutations start from valid messages', () => {
    assert.ok(SEEDS.filter((s) => parseUnguarded(s).ok).length >= 25);
  });

  it('survives random byte flips', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (s, flips) => {
        const b = Buffer.from(s);
        for (const [pos, val] of flips) b[pos % b.length] = val;
        check(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives truncation at any octet', () => {
    fc.assert(fc.property(seed, fc.nat(), (s, cut) => check(s.subarray(0, cut % (s.length + 1)))), { numRuns: RUNS });
  });

  it('survives duplicated and dropped lines', () => {
    fc.assert(
      fc.property(seed, fc.nat(), fc.nat({ max: 5 }), fc.boolean(), (s, at, times, drop) => {
        const ls = lines(s);
        const i = at % ls.length;
        if (drop) ls.splice(i, 1);
        else ls.splice(i, 0, ...Array<string>(times).fill(ls[i]!));
        check(fromLines(ls));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random header lines inserted anywhere', () => {
    fc.assert(
      fc.property(seed, fc.nat(), fc.constantFrom(...HEADER_NAMES), nastyString, (s, at, name, value) => {
        const ls = lines(s);
        ls.splice(1 + (at % ls.length), 0, `${name}: ${value}`);
        check(fromLines(ls));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives huge values made of one delimiter (no quadratic scans)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...HEADER_NAMES), fc.constantFrom(...NASTY.split(''), ';a', 'a=', ',<', '%4', '"\\'), fc.integer({ min: 1, max: 30_000 }), (name, unit, n) => {
        const value = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
        check(msg([...BASE_REQUEST, `${name}: ${value}`]));
        check(msg([...BASE_REQUEST.slice(0, 1), ...Array<string>(Math.min(n, 3000)).fill(unit), ...BASE_REQUEST.slice(1)]));
      }),
      { numRuns: 300 },
    );
  });

  it('survives random octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500, size: 'large' }), fc.boolean(), (bytes, prefix) => {
        const b = Buffer.from(bytes);
        check(prefix ? Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), b]) : b);
      }),
      { numRuns: RUNS },
    );
  });

  });

  describe('structured parsers on random text: never throw, and format∘parse is stable', () => {
    const sipish = fc.oneof(
      nastyString,
      fc.tuple(fc.constantFrom('sip:', 'sips:', 'tel:', 'x:', '<sip:', '"', 'SIP/2.0/UDP ', '1 '), nastyString).map(([a, b]) => a + b),
    );
    const stable = <T>(parse: (s: string) => T | undefined, format: (v: T) => string, isValid?: (s: string) => boolean) => (text: string): void => {
      const v = timed('parse', () => parse(text));
      // The allocation-free check used by parseMessage must agree with the parser.
      if (isValid !== undefined) assert.equal(isValid(text), v !== undefined, JSON.stringify(text));
      if (v === undefined) return;
      const once = format(v);
      const again = parse(once);
      assert.ok(again !== undefined, `re-parse of ${JSON.stringify(once)} (from ${JSON.stringify(text)})`);
      assert.equal(format(again), once);
    };
    it('parseUri / formatUri', () => fc.assert(fc.property(sipish, stable(parseUri, formatUri, isValidUri)), { numRuns: RUNS }));
    it('parseNameAddr / formatNameAddr', () => fc.assert(fc.property(sipish, stable(parseNameAddr, formatNameAddr, isValidNameAddr)), { numRuns: RUNS }));
    it('parseVia / formatVia', () => fc.assert(fc.property(sipish, stable(parseVia, formatVia, isValidVia)), { numRuns: RUNS }));
    it('parseParams / formatParams', () => fc.assert(fc.property(sipish, stable(parseParams, formatParams)), { numRuns: RUNS }));
    it('parseCSeq', () => fc.assert(fc.property(sipish, (t) => void timed('parseCSeq', () => parseCSeq(t))), { numRuns: RUNS }));
  });

  describe('memory', () => {
    it('leaves the heap flat after all batches (within 32 MB, after GC)', () => {
      gc?.();
      const grown = process.memoryUsage().heapUsed - heapBefore;
      assert.ok(grown < 32 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB (gc ${gc ? 'available' : 'unavailable'})`);
    });
  });
});

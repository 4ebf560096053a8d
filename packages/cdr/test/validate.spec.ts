import * as assert from 'node:assert/strict';
import { CdrValidationError } from '../src/errors';
import { cdrFromJson, cdrToJson } from '../src/json';
import { decodeCursor, encodeCursor } from '../src/cursor';
import { normalizeFilter, normalizePage } from '../src/filter';
import { cdrDurations, validateCdr } from '../src/validate';
import { sampleCdr } from './fixture';

const t = (ms: number): Date => new Date(Date.UTC(2026, 10, 22) + ms);

describe('cdrDurations', () => {
  it('answered after ringing: setup = start→18x, ring = 18x→answer, talk = answer→end', () => {
    assert.deepEqual(cdrDurations({ startTime: t(0), ringingTime: t(200), answerTime: t(1200), endTime: t(61200) }),
      { setupMs: 200, ringMs: 1000, talkMs: 60000 });
  });
  it('answered without 18x: setup runs to the answer, ring is 0', () => {
    assert.deepEqual(cdrDurations({ startTime: t(0), ringingTime: null, answerTime: t(900), endTime: t(1900) }),
      { setupMs: 900, ringMs: 0, talkMs: 1000 });
  });
  it('ringing, never answered: ring runs to the end, talk is 0', () => {
    assert.deepEqual(cdrDurations({ startTime: t(0), ringingTime: t(100), answerTime: null, endTime: t(30100) }),
      { setupMs: 100, ringMs: 30000, talkMs: 0 });
  });
  it('rejected at once: setup runs to the end', () => {
    assert.deepEqual(cdrDurations({ startTime: t(0), ringingTime: null, answerTime: null, endTime: t(40) }),
      { setupMs: 40, ringMs: 0, talkMs: 0 });
  });
});

describe('validateCdr', () => {
  it('accepts a complete CDR and returns an equal copy with the id in lower case', () => {
    const c = sampleCdr();
    const v = validateCdr({ ...c, id: c.id.toUpperCase() });
    assert.deepEqual(v, c);
    assert.notEqual(v.startTime, c.startTime);
  });
  it('drops fields the record does not define', () => {
    const v = validateCdr({ ...sampleCdr(), extra: 1 } as never);
    assert.equal('extra' in v, false);
  });
  for (const [name, over] of [
    ['a non-UUID id', { id: 'abc' }],
    ['an unknown direction', { direction: 'up' }],
    ['an unknown disposition', { disposition: 'maybe' }],
    ['a number without +', { caller: { ...sampleCdr().caller, number: '4930111' } }],
    ['an invalid date', { startTime: new Date('x') }],
    ['an end before the start', { endTime: t(-1000000000000) }],
    ['a negative duration', { talkMs: -1 }],
    ['a fractional duration', { ringMs: 1.5 }],
    ['a SIP status out of range', { sipStatus: 99 }],
    ['a MOS above 5', { media: { aLeg: { ...sampleCdr().media.aLeg!, mos: 5.5 }, bLeg: null } }],
    ['answered without an answer time', { answerTime: null, talkMs: 0 }],
    ['an answer time on a busy call', { disposition: 'busy' }],
    ['a transfer link without a kind', { transferredTo: '00000000-0000-4000-8000-000000000000' }],
    ['a tag key with a dot', { tags: { 'a.b': 'x' } }],
    ['33 tags', { tags: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }],
    ['a non-string tag value', { tags: { a: 1 } }],
    ['a missing caller', { caller: undefined }],
  ] as const) {
    it(`refuses ${name} with CdrValidationError`, () => {
      assert.throws(() => validateCdr({ ...sampleCdr(), ...(over as object) }), CdrValidationError);
    });
  }
});

describe('CDR JSON', () => {
  it('round-trips through JSON text with times to the millisecond', () => {
    const c = sampleCdr({ ringingTime: null, answerTime: null, disposition: 'busy', sipStatus: 486, talkMs: 0, ringMs: 0, setupMs: 65300 });
    assert.deepEqual(cdrFromJson(JSON.parse(JSON.stringify(cdrToJson(c)))), c);
    assert.equal(cdrToJson(c).startTime, '2026-11-22T07:00:00.123Z');
  });
  it('refuses a time that is not ISO 8601 UTC', () => {
    assert.throws(() => cdrFromJson({ ...cdrToJson(sampleCdr()), startTime: '22/11/2026' }), CdrValidationError);
  });
});

describe('filters and cursors', () => {
  it("normalises a prefix without '+' and single values to lists", () => {
    const f = normalizeFilter({ numberPrefix: '49', direction: 'onnet', sipStatus: [486, 486] });
    assert.equal(f.numberPrefix, '+49');
    assert.deepEqual(f.directions, ['onnet']);
    assert.deepEqual(f.sipStatuses, [486]);
  });
  it('refuses LIKE/regex metacharacters in a prefix', () => {
    for (const p of ['+49%', '4_9', '.*', '']) assert.throws(() => normalizeFilter({ numberPrefix: p }), CdrValidationError);
  });
  it('page defaults: newest first, 100 rows; limit 1..1000', () => {
    assert.deepEqual(normalizePage(undefined), { sort: '-startTime', descending: true, limit: 100 });
    assert.throws(() => normalizePage({ limit: 1001 }), CdrValidationError);
  });
  it('a cursor decodes to its key under its own sort only', () => {
    const id = '00000000-0000-4000-8000-00000000000a';
    const c = encodeCursor({ t: 123, id }, 'startTime');
    assert.deepEqual(decodeCursor(c, 'startTime'), { t: 123, id });
    assert.throws(() => decodeCursor(c, '-startTime'), CdrValidationError);
    assert.throws(() => decodeCursor(Buffer.from('{"v":1,"s":"startTime","t":1,"id":"x"}').toString('base64url'), 'startTime'), CdrValidationError);
  });
});

import assert from 'node:assert/strict';
import { DEFAULT_TIMERS, timerConfig, timerValues } from '../../src/transaction/timers';

describe('transaction timers (RFC 3261 Appendix A, RFC 6026)', () => {
  it('defaults are T1=500 ms, T2=4 s, T4=5 s', () => {
    assert.equal(DEFAULT_TIMERS.T1, 500);
    assert.equal(DEFAULT_TIMERS.T2, 4000);
    assert.equal(DEFAULT_TIMERS.T4, 5000);
  });

  it('unreliable: B/F/H/J/L/M = 64*T1, D ≥ 32 s, I = K = T4', () => {
    const t = timerValues(DEFAULT_TIMERS, false);
    assert.deepEqual(t, { A: 500, B: 32000, D: 32000, E: 500, F: 32000, G: 500, H: 32000, I: 5000, J: 32000, K: 5000, L: 32000, M: 32000 });
  });

  it('reliable transports set D/I/J/K to 0', () => {
    const t = timerValues(DEFAULT_TIMERS, true);
    assert.deepEqual([t.D, t.I, t.J, t.K], [0, 0, 0, 0]);
    assert.equal(t.B, 32000);
  });

  it('rejects negative or non-numeric values', () => {
    assert.throws(() => timerConfig({ T1: -1 }), RangeError);
    assert.throws(() => timerConfig({ T2: Number.NaN }), RangeError);
  });
});

// RFC 3261 §17 timer constants (Table 4 in Appendix A) and the timers derived from them.
// One configurable object: production uses the defaults, unit tests pass small values.

export interface TimerConfig {
  /** RTT estimate (§17.1.1.1). Default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4 s. */
  T2: number;
  /** Maximum duration a message remains in the network. Default 5 s. */
  T4: number;
  /** Timer D for unreliable transports: "at least 32 seconds" (§17.1.1.2). Default 32 s. */
  D: number;
  /** §17.2.1: a 100 Trying is sent if the TU has not answered an INVITE within 200 ms. */
  trying100Delay: number;
}

export const DEFAULT_TIMERS: Readonly<TimerConfig> = Object.freeze({
  T1: 500,
  T2: 4000,
  T4: 5000,
  D: 32000,
  trying100Delay: 200,
});

export function timerConfig(overrides: Partial<TimerConfig> = {}): TimerConfig {
  const c = { ...DEFAULT_TIMERS, ...overrides };
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`timer ${k} must be a non-negative number, got ${v}`);
  }
  return c;
}

/** Derived timer durations (ms). Reliable transports set D, I, J and K to 0 (§17.1.1.2, §17.2.1). */
export interface TimerValues {
  A: number; // INVITE request retransmit, initial (doubles, §17.1.1.2)
  B: number; // INVITE transaction timeout
  D: number; // wait time for response retransmits (ICT Completed)
  E: number; // non-INVITE request retransmit, initial (doubles up to T2)
  F: number; // non-INVITE transaction timeout
  G: number; // INVITE final response retransmit, initial (doubles up to T2)
  H: number; // wait time for ACK receipt
  I: number; // wait time for ACK retransmits (IST Confirmed)
  J: number; // wait time for non-INVITE request retransmits (NIST Completed)
  K: number; // wait time for response retransmits (NICT Completed)
  L: number; // RFC 6026: wait time for accepted INVITE request retransmits (IST Accepted)
  M: number; // RFC 6026: wait time for retransmission of 2xx to INVITE or additional 2xx (ICT Accepted)
}

/**
 * The values per config and transport kind, computed once: every transaction reads them, and a
 * completed one lives on for Timer J (32 s over UDP), so a copy each would be kept that long.
 */
const shared = new WeakMap<TimerConfig, { reliable: Readonly<TimerValues>; unreliable: Readonly<TimerValues> }>();

/** Derived timer durations for `c` (a shared frozen object: do not change the config afterwards). */
export function timerValues(c: TimerConfig, reliable: boolean): Readonly<TimerValues> {
  let both = shared.get(c);
  if (both === undefined || !sameConfig(both.unreliable, c)) {
    both = { reliable: Object.freeze(computeTimerValues(c, true)), unreliable: Object.freeze(computeTimerValues(c, false)) };
    shared.set(c, both);
  }
  return reliable ? both.reliable : both.unreliable;
}

/** A config changed after its values were cached (tests adjust T1 in place) computes them anew. */
function sameConfig(v: Readonly<TimerValues>, c: TimerConfig): boolean {
  return v.A === c.T1 && v.D === c.D && v.I === c.T4;
}

function computeTimerValues(c: TimerConfig, reliable: boolean): TimerValues {
  const t64 = 64 * c.T1;
  return {
    A: c.T1,
    B: t64,
    D: reliable ? 0 : c.D,
    E: c.T1,
    F: t64,
    G: c.T1,
    H: t64,
    I: reliable ? 0 : c.T4,
    J: reliable ? 0 : t64,
    K: reliable ? 0 : c.T4,
    L: t64,
    M: t64,
  };
}

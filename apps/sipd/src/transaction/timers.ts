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

export function timerValues(c: TimerConfig, reliable: boolean): TimerValues {
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

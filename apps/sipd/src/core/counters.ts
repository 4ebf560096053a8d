// What the engine counts. The hot path calls these; main.ts backs them with Prometheus counters
// (metrics/), tests with plain numbers.
export interface EngineCounters {
  requestIn(method: string): void;
  requestOut(method: string): void;
  responseIn(method: string, status: number): void;
  responseOut(method: string, status: number): void;
  /** Requests answered by sipd itself because no app routes the method (503). */
  unrouted: number;
  /** App commands refused (NOK). */
  commandFailures: number;
  ackTimeouts: number;
}

export function newEngineCounters(sink?: Partial<Pick<EngineCounters, 'requestIn' | 'requestOut' | 'responseIn' | 'responseOut'>>): EngineCounters {
  const noop = (): void => undefined;
  return {
    requestIn: sink?.requestIn ?? noop,
    requestOut: sink?.requestOut ?? noop,
    responseIn: sink?.responseIn ?? noop,
    responseOut: sink?.responseOut ?? noop,
    unrouted: 0,
    commandFailures: 0,
    ackTimeouts: 0,
  };
}

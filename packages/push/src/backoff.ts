// Delay before the next attempt after a 429/5xx: exponential with full jitter, or the provider's
// Retry-After when it gave one (capped, so a push never waits minutes for a call that is over).

export interface BackoffOptions {
  /** Delay base for the first retry (ms). */
  baseMs: number;
  /** Upper bound of the exponential delay (ms). */
  maxMs: number;
  /** Upper bound for a provider's Retry-After (ms). */
  retryAfterCapMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 5000, retryAfterCapMs: 10000 };

/**
 * Delay before attempt `attempt + 1`, where `attempt` (1-based) just failed.
 * random() in [0, 1) spreads retries of many pushes (full jitter, never below half the step).
 */
export function backoffDelay(attempt: number, retryAfterSeconds: number | undefined, opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    return Math.min(retryAfterSeconds * 1000, opts.retryAfterCapMs);
  }
  const step = Math.min(opts.baseMs * 2 ** Math.max(0, attempt - 1), opts.maxMs);
  return Math.round(step / 2 + random() * (step / 2));
}


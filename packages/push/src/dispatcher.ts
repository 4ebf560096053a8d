// The PushSender every service uses: routes a request to its provider by pn-provider, retries
// 429/5xx with backoff up to maxAttempts, reports dead tokens to a hook (which removes the
// device's push binding), keeps per-provider counters, and never throws.
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import type { AttemptOutcome, PushProvider } from './provider';
import type { PushRequest, PushResult, PushSender, PushTarget } from './types';

export interface ProviderCounters {
  /** Pushes the provider accepted. */
  sent: number;
  /** Pushes that ended without success (after retries). */
  failed: number;
  /** Extra attempts made after a 429/5xx. */
  retried: number;
  /** Pushes answered with a dead-token error. */
  invalidTokens: number;
}

export interface PushDispatcherOptions {
  providers: PushProvider[];
  /** Attempts per push, including the first (config push.maxAttempts). */
  maxAttempts: number;
  backoff?: BackoffOptions;
  /** Called once per dead token (APNs 410/BadDeviceToken, FCM UNREGISTERED); errors are swallowed. */
  onInvalidToken?: (target: PushTarget, result: PushResult) => void | Promise<void>;
  /** Called for every finished push (logging). */
  onResult?: (req: PushRequest, result: PushResult) => void;
  /** For tests: the wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function zero(): ProviderCounters {
  return { sent: 0, failed: 0, retried: 0, invalidTokens: 0 };
}

export class PushDispatcher implements PushSender {
  private readonly providers = new Map<string, PushProvider>();
  private readonly counters = new Map<string, ProviderCounters>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: PushDispatcherOptions) {
    for (const p of opts.providers) {
      this.providers.set(p.name, p);
      this.counters.set(p.name, zero());
    }
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** pn-provider names this dispatcher can push to. */
  get providerNames(): string[] {
    return [...this.providers.keys()];
  }

  /** A copy of the counters, by provider name. */
  stats(): Record<string, ProviderCounters> {
    const out: Record<string, ProviderCounters> = {};
    for (const [name, c] of this.counters) out[name] = { ...c };
    return out;
  }

  async send(req: PushRequest): Promise<PushResult> {
    const providerName = req.target.provider;
    const provider = this.providers.get(providerName);
    if (!provider) {
      const result: PushResult = { ok: false, provider: providerName, reason: 'unsupported-provider', attempts: 0 };
      this.report(req, result);
      return result;
    }
    const counters = this.counters.get(providerName) ?? zero();
    const max = Math.max(1, this.opts.maxAttempts);
    let attempts = 0;
    let outcome: AttemptOutcome = { ok: false, reason: 'not attempted' };
    for (;;) {
      attempts++;
      outcome = await this.attempt(provider, req);
      if (outcome.ok || !outcome.retryable || attempts >= max) break;
      counters.retried++;
      await this.sleep(backoffDelay(attempts, outcome.retryAfterSeconds, this.opts.backoff ?? DEFAULT_BACKOFF));
    }
    const result: PushResult = { ok: outcome.ok, provider: providerName, attempts };
    if (outcome.status !== undefined) result.status = outcome.status;
    if (outcome.reason !== undefined) result.reason = outcome.reason;
    if (outcome.id !== undefined) result.id = outcome.id;
    if (outcome.invalidToken) result.invalidToken = true;
    if (result.ok) counters.sent++;
    else counters.failed++;
    if (result.invalidToken) {
      counters.invalidTokens++;
      await this.invalid(req.target, result);
    }
    this.report(req, result);
    return result;
  }

  /** Closes every provider (HTTP/2 sessions, firebase apps). */
  async close(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.close().catch(() => undefined)));
  }

  private async attempt(provider: PushProvider, req: PushRequest): Promise<AttemptOutcome> {
    try {
      return await provider.attempt(req);
    } catch (err) {
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private async invalid(target: PushTarget, result: PushResult): Promise<void> {
    if (!this.opts.onInvalidToken) return;
    try {
      await this.opts.onInvalidToken(target, result);
    } catch {
      // The push result stands; a failed clean-up is retried the next time the token is used.
    }
  }

  private report(req: PushRequest, result: PushResult): void {
    try {
      this.opts.onResult?.(req, result);
    } catch { /* a logging hook must not break sending */ }
  }
}

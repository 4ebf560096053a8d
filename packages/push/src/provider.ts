// What the dispatcher needs from a provider: one attempt, classified. Retries, counters and
// dead-token handling live in the dispatcher, so each provider only translates its library's
// answer into an AttemptOutcome.
import type { PushRequest } from './types';

export interface AttemptOutcome {
  ok: boolean;
  /** HTTP status when the provider answered. */
  status?: number;
  /** Provider reason (APNs "Unregistered", FCM "UNREGISTERED") or a local error text. */
  reason?: string;
  /** Provider's message id (apns-id / FCM message name). */
  id?: string;
  /** The token is dead: remove the device's push binding. */
  invalidToken?: boolean;
  /** 429 / 5xx / expired provider token: another attempt may succeed. */
  retryable?: boolean;
  /** Retry-After from the provider, in seconds, when the library exposes it. */
  retryAfterSeconds?: number;
}

export interface PushProvider {
  /** RFC 8599 pn-provider value this provider serves (apns, fcm). */
  readonly name: string;
  /** One attempt; must not throw (errors become an outcome). */
  attempt(req: PushRequest): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

/** 429 and 5xx are worth another attempt (APNs and FCM both document them as transient). */
export function retryableStatus(status: number | undefined): boolean {
  return status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

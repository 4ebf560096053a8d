// APNs through @parse/node-apn: token auth (ES256 JWT from the .p8 key, renewed by node-apn
// before Apple's one-hour limit), one HTTP/2 session per provider. node-apn's own retries are
// switched off (connectionRetryLimit 0) so the dispatcher alone decides about retries and counts
// them. Apple's status codes: developer.apple.com "Handling notification responses from APNs".
import * as apn from '@parse/node-apn';
import { buildApnsPush } from './apns-payload';
import type { AttemptOutcome, PushProvider } from './provider';
import { retryableStatus } from './provider';
import type { PushRequest } from './types';

export interface ApnsProviderOptions {
  /** The .p8 signing key (PEM text). */
  key: string | Buffer;
  keyId: string;
  teamId: string;
  bundleId: string;
  /** api.push.apple.com when true, api.sandbox.push.apple.com otherwise. */
  production: boolean;
  /** Another APNs host (tests, private gateways). */
  host?: string;
  port?: number;
  /** CA certificate(s) (PEM) that sign that host's certificate. */
  ca?: string | Buffer;
  /** Per-request timeout (ms). */
  requestTimeoutMs?: number;
}

/** Reasons that mean the device token will never work again for this app. */
const DEAD_TOKEN_REASONS = new Set(['BadDeviceToken', 'Unregistered', 'ExpiredToken']);

function errorText(err: unknown): string | undefined {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return undefined;
}

/** node-apn's failure entry → an attempt outcome. */
export function classifyApnsFailure(f: { status?: number | string; response?: { reason?: string }; error?: unknown }): AttemptOutcome {
  const status = f.status === undefined ? undefined : Number(f.status);
  const reason = f.response?.reason ?? errorText(f.error) ?? (status !== undefined ? `HTTP ${status}` : 'unknown error');
  const out: AttemptOutcome = { ok: false, reason };
  if (status !== undefined && Number.isFinite(status)) out.status = status;
  if (status === 410 || (status === 400 && DEAD_TOKEN_REASONS.has(reason))) out.invalidToken = true;
  // node-apn regenerates its JWT on 403 ExpiredProviderToken: the next attempt uses the new one.
  if (retryableStatus(out.status) || (status === 403 && reason === 'ExpiredProviderToken')) out.retryable = true;
  // No status: the connection failed or timed out before an answer.
  if (out.status === undefined) out.retryable = true;
  return out;
}

export class ApnsProvider implements PushProvider {
  readonly name = 'apns';
  private readonly provider: apn.Provider;

  constructor(private readonly opts: ApnsProviderOptions) {
    const options: apn.ProviderOptions = {
      token: { key: opts.key, keyId: opts.keyId, teamId: opts.teamId },
      production: opts.production,
      connectionRetryLimit: 0,
      requestTimeout: opts.requestTimeoutMs ?? 5000,
    };
    if (opts.host) options.address = opts.host;
    if (opts.port) options.port = opts.port;
    if (opts.ca) options.ca = [opts.ca];
    this.provider = new apn.Provider(options);
  }

  async attempt(req: PushRequest): Promise<AttemptOutcome> {
    const push = buildApnsPush(req, this.opts.bundleId);
    const note = new apn.Notification();
    note.topic = push.topic;
    note.pushType = push.pushType;
    note.priority = push.priority;
    note.expiry = push.expiry;
    if (push.collapseId) note.collapseId = push.collapseId;
    note.rawPayload = push.payload;
    const res = await this.provider.send(note, req.target.prid);
    const failed = res.failed[0];
    if (failed) return classifyApnsFailure(failed);
    // node-apn's sent entry also carries the response headers (apns-id), beyond its typings.
    const sent: Record<string, unknown> | undefined = res.sent[0] ? { ...res.sent[0] } : undefined;
    const id = typeof sent?.['apns-id'] === 'string' ? sent['apns-id'] : undefined;
    return { ok: true, status: 200, ...(id ? { id } : {}) };
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}

// FCM HTTP v1 through firebase-admin 13: one named app per provider (several may coexist in one
// process), the service-account credential for OAuth. messaging.send() posts one message over
// HTTP/1.1 through the app's httpAgent (only sendEach uses HTTP/2), so an agent that redirects
// Google's hosts reaches a stand-in in tests. firebase-admin hides HTTP statuses behind its error
// codes; the table below maps them back (FCM v1 ErrorCode → status, firebase.google.com/docs/
// reference/fcm/rest/v1/ErrorCode).
import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { App, cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging, Messaging } from 'firebase-admin/messaging';
import { buildFcmMessage } from './fcm-message';
import type { AttemptOutcome, PushProvider } from './provider';
import type { PushRequest } from './types';

export interface FcmServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKey: string;
}

export interface FcmProviderOptions {
  serviceAccount: FcmServiceAccount;
  /**
   * The file serviceAccount was read from. Given, the credential loads it itself: only then does
   * its OAuth token request go through httpAgent (firebase-admin 13.9 hands an in-memory service
   * account to google-auth-library without the agent).
   */
  serviceAccountFile?: string;
  /** Agent for FCM and OAuth requests (tests: a RedirectAgent to the stand-in). */
  httpAgent?: Agent;
  /** close() also destroys httpAgent (its keep-alive sockets): set when the agent was made for this provider. */
  ownsAgent?: boolean;
}

interface Mapped { status: number; reason: string; invalidToken?: boolean; retryable?: boolean }

/** firebase-admin error code → what FCM answered. */
const FCM_ERRORS: Readonly<Record<string, Mapped>> = {
  'messaging/registration-token-not-registered': { status: 404, reason: 'UNREGISTERED', invalidToken: true },
  'messaging/invalid-registration-token': { status: 400, reason: 'INVALID_ARGUMENT', invalidToken: true },
  'messaging/invalid-argument': { status: 400, reason: 'INVALID_ARGUMENT' },
  'messaging/mismatched-credential': { status: 403, reason: 'SENDER_ID_MISMATCH' },
  'messaging/third-party-auth-error': { status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' },
  'messaging/authentication-error': { status: 401, reason: 'UNAUTHENTICATED' },
  'messaging/message-rate-exceeded': { status: 429, reason: 'QUOTA_EXCEEDED', retryable: true },
  'messaging/device-message-rate-exceeded': { status: 429, reason: 'QUOTA_EXCEEDED', retryable: true },
  'messaging/server-unavailable': { status: 503, reason: 'UNAVAILABLE', retryable: true },
  'messaging/internal-error': { status: 500, reason: 'INTERNAL', retryable: true },
};

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A firebase-admin send error → an attempt outcome. */
export function classifyFcmError(err: unknown): AttemptOutcome {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  const mapped = code ? FCM_ERRORS[code] : undefined;
  if (!mapped) {
    // app/invalid-credential (OAuth token refused or unreachable), network errors, unknown codes.
    return { ok: false, reason: code ? `${code}: ${message}` : message, retryable: code === undefined || code === 'app/network-error' };
  }
  const out: AttemptOutcome = { ok: false, status: mapped.status, reason: mapped.reason };
  // FCM answers 400 INVALID_ARGUMENT for a malformed registration token (its message says so).
  if (mapped.invalidToken || (mapped.status === 400 && /registration token/i.test(message))) out.invalidToken = true;
  if (mapped.retryable) out.retryable = true;
  return out;
}

export class FcmProvider implements PushProvider {
  readonly name = 'fcm';
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(private readonly opts: FcmProviderOptions) {
    const sa = opts.serviceAccount;
    // A unique app name: initializeApp refuses a second app with the same name in one process.
    this.app = initializeApp({
      credential: cert(opts.serviceAccountFile ?? { projectId: sa.projectId, clientEmail: sa.clientEmail, privateKey: sa.privateKey }, opts.httpAgent),
      projectId: sa.projectId,
      ...(opts.httpAgent ? { httpAgent: opts.httpAgent } : {}),
    }, `openline-push-${randomBytes(6).toString('hex')}`);
    this.messaging = getMessaging(this.app);
    // send() already uses HTTP/1.1 (through httpAgent); this also keeps any sendEach there.
    this.messaging.enableLegacyHttpTransport();
  }

  async attempt(req: PushRequest): Promise<AttemptOutcome> {
    try {
      const id = await this.messaging.send(buildFcmMessage(req));
      return { ok: true, status: 200, id };
    } catch (err) {
      return classifyFcmError(err);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
    if (this.opts.ownsAgent) this.opts.httpAgent?.destroy();
  }
}

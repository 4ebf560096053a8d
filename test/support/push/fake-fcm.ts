// A local FCM (HTTP v1) and Google OAuth token endpoint for tests: one HTTPS server on 127.0.0.1
// whose self-signed certificate names fcm.googleapis.com and oauth2.googleapis.com, so
// firebase-admin reaches it through push.fcm.endpoint (a RedirectAgent) with TLS checks intact.
//
//   const sa = makeServiceAccount();                 // ./credentials
//   const fcm = await startFakeFcm({ projectId: sa.projectId, clientEmail: sa.clientEmail, publicKey: sa.publicKey });
//   // push.fcm { serviceAccountFile: sa.file, endpoint: fcm.url, caFile: fcm.caFile }
//   fcm.respond(token, { status: 404 });                  // UNREGISTERED, every send until cleared
//   fcm.respond(token, { status: 429, times: 1 });        // QUOTA_EXCEEDED once, then success
//   const m = await fcm.waitFor((x) => x.token === token && x.status === 200, 5000);
//   m.message.data, m.message.android, m.message.notification, m.name
//   fcm.received   // every send, accepted or not;  fcm.tokensIssued  // OAuth tokens handed out
//   await fcm.close();
//
// POST /token (RFC 7523 JWT bearer grant): the assertion must be RS256, signed with the service
// account's key, iss = client_email, aud = https://oauth2.googleapis.com/token, a messaging scope,
// exp in the future and at most 1 h after iat; otherwise 400 invalid_grant. Answers an access token.
// POST /v1/projects/<projectId>/messages:send: Authorization "Bearer <a token issued here>" (401
// UNAUTHENTICATED), the project id (403 PERMISSION_DENIED / SENDER_ID_MISMATCH), a Message with
// only known fields, exactly one of token/topic/condition, data values all strings, notification
// title/body strings, android.priority normal|high, android.ttl as "<seconds>[.<frac>]s"
// (400 INVALID_ARGUMENT). Error bodies are Google's: {error: {code, message, status, details:
// [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode}]}}.
import { randomBytes, verify } from 'node:crypto';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, makeServerCert, Waiters } from './credentials';
import { ScriptedReplies } from './scripted-replies';

export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const MESSAGING_SCOPES = ['https://www.googleapis.com/auth/firebase.messaging', 'https://www.googleapis.com/auth/cloud-platform'];

export interface FakeFcmOptions {
  projectId: string;
  clientEmail: string;
  /** SPKI PEM of the service account's key (makeServiceAccount().publicKey). */
  publicKey: string;
}

export interface FcmReply {
  /** 404 → UNREGISTERED, 400 → INVALID_ARGUMENT, 429 → QUOTA_EXCEEDED, 500 → INTERNAL, 503 → UNAVAILABLE. */
  status: number;
  /** FcmError errorCode; default from the status as above. */
  errorCode?: string;
  retryAfter?: number;
  /** How many sends this reply answers; default: all until cleared. */
  times?: number;
}

export interface FcmMessage {
  host: string;
  path: string;
  headers: Record<string, string>;
  bearer?: string;
  /** The `message` object of the request (undefined when the body was not JSON). */
  message: Record<string, unknown>;
  token?: string;
  status: number;
  errorCode?: string;
  /** projects/<id>/messages/<n> on success. */
  name?: string;
  at: number;
}

export interface FakeFcm {
  port: number;
  /** https://127.0.0.1:<port> (config push.fcm.endpoint; tokenUrl defaults to it). */
  url: string;
  caPem: string;
  caFile: string;
  received: FcmMessage[];
  tokensIssued: string[];
  /** Token requests refused (bad assertion), with the reason. */
  tokenRefusals: string[];
  respond(token: string, reply: FcmReply): void;
  clearReplies(token?: string): void;
  waitFor(pred: (m: FcmMessage) => boolean, ms?: number): Promise<FcmMessage>;
  close(): Promise<void>;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL', 503: 'UNAVAILABLE',
};
const DEFAULT_ERROR_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'THIRD_PARTY_AUTH_ERROR', 403: 'SENDER_ID_MISMATCH', 404: 'UNREGISTERED', 429: 'QUOTA_EXCEEDED',
  500: 'INTERNAL', 503: 'UNAVAILABLE',
};
const MESSAGE_KEYS = new Set(['name', 'data', 'notification', 'android', 'webpush', 'apns', 'fcm_options', 'token', 'topic', 'condition']);
const ANDROID_KEYS = new Set(['collapse_key', 'priority', 'ttl', 'restricted_package_name', 'data', 'notification', 'fcm_options',
  'direct_boot_ok', 'bandwidth_constrained_ok', 'restricted_satellite_ok']);

function fcmError(status: number, message: string, errorCode?: string): string {
  return JSON.stringify({
    error: {
      code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN',
      ...(errorCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } : {}),
    },
  });
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function stringMap(x: unknown): boolean {
  return isObject(x) && Object.values(x).every((v) => typeof v === 'string');
}

/** Why FCM would refuse this Message, or undefined. */
export function messageProblem(m: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(m)) if (!MESSAGE_KEYS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at 'message'`;
  const targets = ['token', 'topic', 'condition'].filter((k) => m[k] !== undefined);
  if (targets.length !== 1) return 'Exactly one of token, topic or condition must be specified';
  if (m.token !== undefined && (typeof m.token !== 'string' || m.token === '')) return 'The registration token is not a valid FCM registration token';
  if (m.data !== undefined && !stringMap(m.data)) return "Invalid value at 'message.data': data values must be strings";
  if (m.notification !== undefined) {
    if (!isObject(m.notification)) return "Invalid value at 'message.notification'";
    for (const k of ['title', 'body', 'image']) {
      if (m.notification[k] !== undefined && typeof m.notification[k] !== 'string') return `Invalid value at 'message.notification.${k}'`;
    }
  }
  if (m.android !== undefined) {
    const a = m.android;
    if (!isObject(a)) return "Invalid value at 'message.android'";
    for (const k of Object.keys(a)) if (!ANDROID_KEYS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at 'message.android'`;
    if (a.priority !== undefined && !(typeof a.priority === 'string' && /^(normal|high)$/i.test(a.priority))) return "Invalid value at 'message.android.priority'";
    if (a.ttl !== undefined && !(typeof a.ttl === 'string' && /^\d+(\.\d{1,9})?s$/.test(a.ttl))) return "Invalid value at 'message.android.ttl' (Duration)";
    if (a.collapse_key !== undefined && typeof a.collapse_key !== 'string') return "Invalid value at 'message.android.collapse_key'";
    if (a.data !== undefined && !stringMap(a.data)) return "Invalid value at 'message.android.data'";
    if (a.notification !== undefined && !isObject(a.notification)) return "Invalid value at 'message.android.notification'";
  }
  return undefined;
}

function assertionProblem(assertion: string, o: FakeFcmOptions): string | undefined {
  const jwt = decodeJwt(assertion);
  if (!jwt) return 'Invalid JWT';
  if (jwt.header.alg !== 'RS256') return 'Invalid JWT algorithm';
  let ok = false;
  try { ok = verify('sha256', Buffer.from(jwt.signingInput), o.publicKey, jwt.signature); } catch { ok = false; }
  if (!ok) return 'Invalid JWT Signature.';
  const c = jwt.claims;
  if (c.iss !== o.clientEmail) return 'Invalid issuer';
  if (c.aud !== GOOGLE_TOKEN_AUDIENCE) return 'Invalid audience';
  const scopes = typeof c.scope === 'string' ? c.scope.split(' ') : [];
  if (!scopes.some((s) => MESSAGING_SCOPES.includes(s))) return 'Invalid scope';
  const now = Date.now() / 1000;
  if (typeof c.iat !== 'number' || typeof c.exp !== 'number' || c.exp <= now || c.exp - c.iat > 3600 || c.iat > now + 60) {
    return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(body);
}

export async function startFakeFcm(opts: FakeFcmOptions): Promise<FakeFcm> {
  const tls = makeServerCert(['localhost', 'fcm.googleapis.com', 'oauth2.googleapis.com']);
  const received: FcmMessage[] = [];
  const waiters = new Waiters<FcmMessage>(received);
  const tokensIssued: string[] = [];
  const tokenRefusals: string[] = [];
  const replies = new ScriptedReplies<FcmReply>();
  let counter = 0;

  const onToken = (body: string, res: ServerResponse): void => {
    const form = new URLSearchParams(body);
    const problem = form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ? 'Invalid grant_type'
      : assertionProblem(form.get('assertion') ?? '', opts);
    if (problem) {
      tokenRefusals.push(problem);
      send(res, 400, JSON.stringify({ error: 'invalid_grant', error_description: problem }));
      return;
    }
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    tokensIssued.push(token);
    send(res, 200, JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
  };

  const onSend = (req: IncomingMessage, body: string, res: ServerResponse, project: string): void => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    let parsed: unknown;
    try { parsed = JSON.parse(body); } catch { parsed = undefined; }
    const message = isObject(parsed) && isObject(parsed.message) ? parsed.message : {};
    const m: FcmMessage = { host: headers.host ?? '', path: req.url ?? '', headers, message, status: 0, at: Date.now(), ...(bearer ? { bearer } : {}) };
    if (typeof message.token === 'string') m.token = message.token;
    const answer = (status: number, text: string, errorCode?: string, extra: Record<string, string> = {}): void => {
      m.status = status;
      if (errorCode) m.errorCode = errorCode;
      waiters.add(m);
      send(res, status, text, extra);
    };
    if (!bearer || !tokensIssued.includes(bearer)) {
      answer(401, fcmError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.'));
      return;
    }
    if (project !== opts.projectId) {
      answer(403, fcmError(403, 'SenderId mismatch', 'SENDER_ID_MISMATCH'));
      return;
    }
    const problem = !isObject(parsed) || !isObject(parsed.message) ? 'Invalid JSON payload: message missing' : messageProblem(message);
    if (problem) {
      answer(400, fcmError(400, problem, 'INVALID_ARGUMENT'));
      return;
    }
    const reply = replies.next(m.token);
    if (reply && reply.status !== 200) {
      const code = reply.errorCode ?? DEFAULT_ERROR_CODES[reply.status] ?? 'UNSPECIFIED_ERROR';
      const text = code === 'UNREGISTERED' ? 'Requested entity was not found.' : `Scripted ${code}`;
      answer(reply.status, fcmError(reply.status, text, code), code, reply.retryAfter !== undefined ? { 'retry-after': String(reply.retryAfter) } : {});
      return;
    }
    m.name = `projects/${opts.projectId}/messages/${++counter}`;
    answer(200, JSON.stringify({ name: m.name }));
  };

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    void readBody(req).then((body) => {
      const url = req.url ?? '';
      const sendPath = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(url);
      if (req.method === 'POST' && url === '/token') onToken(body, res);
      else if (req.method === 'POST' && sendPath) onSend(req, body, res, decodeURIComponent(sendPath[1]));
      else send(res, 404, fcmError(404, `Not found: ${req.method} ${url}`));
    }, () => send(res, 400, fcmError(400, 'bad request body')));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port, url: `https://127.0.0.1:${port}`, caPem: tls.certPem, caFile: tls.caFile, received, tokensIssued, tokenRefusals,
    respond: (token, reply) => replies.respond(token, reply),
    clearReplies: (token) => replies.clear(token),
    waitFor: (pred, ms = 5000) => waiters.waitFor(pred, ms, 'fake FCM'),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

// A local APNs for tests: HTTP/2 over TLS on 127.0.0.1 (self-signed cert made at start) that checks
// what Apple checks and answers as Apple does (developer.apple.com, "Sending notification requests
// to APNs" and "Handling notification responses from APNs").
//
//   const key = makeApnsKey();                       // ./credentials
//   const apns = await startFakeApns({ teamId: key.teamId, keyId: key.keyId, publicKey: key.publicKey });
//   // point the sender at it: push.apns { host: '127.0.0.1', port: apns.port, caFile: apns.caFile, keyFile: key.keyFile, ... }
//   apns.respond(token, { status: 410, reason: 'Unregistered' });           // every push to token, until cleared
//   apns.respond(token, { status: 429, reason: 'TooManyRequests', times: 1 }); // once, then 200 again
//   const push = await apns.waitFor((p) => p.token === token && p.status === 200, 5000);
//   push.pushType, push.topic, push.priority, push.expiration, push.collapseId, push.payload, push.jwt
//   apns.received   // every request, accepted or not, in order (with the status answered)
//   await apns.close();
//
// Checks, in Apple's order of concern: :method POST (405 MethodNotAllowed), :path /3/device/<hex>
// (404 BadPath, 400 BadDeviceToken), authorization "bearer <JWT>" ES256 with kid = keyId, iss =
// teamId, iat within the last hour (403 MissingProviderToken / InvalidProviderToken /
// ExpiredProviderToken), apns-topic present (400 MissingTopic) with ".voip" iff apns-push-type voip
// and the bundle id when given (400 TopicDisallowed), apns-push-type known (400 InvalidPushType),
// apns-priority 1/5/10 and not 10 for background (400 BadPriority), apns-expiration an integer
// (400 BadExpirationDate), apns-collapse-id ≤ 64 bytes (400 BadCollapseId), apns-id a UUID
// (400 BadMessageId), payload JSON with `aps` (400 PayloadEmpty; BadPayload is this stand-in's
// own reason for invalid JSON / no aps), size ≤ 4096 bytes, 5120 for VoIP (413 PayloadTooLarge).
// Scripted replies apply only to requests that pass these checks.
import { randomUUID, verify } from 'node:crypto';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeJwt, makeServerCert, Waiters } from './credentials';
import { ScriptedReplies } from './scripted-replies';

export interface FakeApnsOptions {
  teamId: string;
  keyId: string;
  /** SPKI PEM of the .p8 key (makeApnsKey().publicKey). */
  publicKey: string;
  /** When given, apns-topic must be this bundle id (or "<bundleId>.voip" for VoIP). */
  bundleId?: string;
}

export interface ApnsReply {
  status: number;
  reason?: string;
  /** Seconds, sent as a retry-after header (429/503). */
  retryAfter?: number;
  /** 410: when APNs learnt the token was no longer valid (ms since the epoch); default now. */
  timestamp?: number;
  /** How many pushes this reply answers; default: all until cleared. */
  times?: number;
}

export interface ApnsPush {
  token: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  topic?: string;
  pushType?: string;
  priority?: number;
  expiration?: number;
  collapseId?: string;
  /** Parsed JSON body (undefined when it was not JSON). */
  payload?: Record<string, unknown>;
  rawBody: string;
  jwt?: { header: Record<string, unknown>; claims: Record<string, unknown> };
  /** What the stand-in answered. */
  status: number;
  reason?: string;
  apnsId: string;
  at: number;
}

export interface FakeApns {
  port: number;
  /** PEM of the server's self-signed certificate (ApnsProvider `ca`). */
  caPem: string;
  /** The same certificate as a file (config push.apns.caFile). */
  caFile: string;
  received: ApnsPush[];
  respond(token: string, reply: ApnsReply): void;
  /** Drops the scripted replies for a token (or all). */
  clearReplies(token?: string): void;
  waitFor(pred: (p: ApnsPush) => boolean, ms?: number): Promise<ApnsPush>;
  close(): Promise<void>;
}

const PUSH_TYPES = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity', 'pushtotalk', 'widgets', 'controls']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JWT_MAX_AGE_S = 3600;

interface Verdict { status: number; reason?: string }

function headerMap(h: http2.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function checkJwt(auth: string | undefined, o: FakeApnsOptions, push: ApnsPush): Verdict | undefined {
  if (!auth) return { status: 403, reason: 'MissingProviderToken' };
  const m = /^bearer (\S+)$/i.exec(auth);
  const jwt = m ? decodeJwt(m[1]) : undefined;
  if (!jwt) return { status: 403, reason: 'InvalidProviderToken' };
  push.jwt = { header: jwt.header, claims: jwt.claims };
  if (jwt.header.alg !== 'ES256' || jwt.header.kid !== o.keyId || jwt.claims.iss !== o.teamId) return { status: 403, reason: 'InvalidProviderToken' };
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(jwt.signingInput), { key: o.publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature);
  } catch { valid = false; }
  if (!valid) return { status: 403, reason: 'InvalidProviderToken' };
  const iat = jwt.claims.iat;
  const now = Date.now() / 1000;
  if (typeof iat !== 'number' || iat > now + 60) return { status: 403, reason: 'InvalidProviderToken' };
  if (now - iat > JWT_MAX_AGE_S) return { status: 403, reason: 'ExpiredProviderToken' };
  return undefined;
}

function checkHeaders(h: Record<string, string>, o: FakeApnsOptions, push: ApnsPush): Verdict | undefined {
  const topic = h['apns-topic'];
  const type = h['apns-push-type'];
  if (!topic) return { status: 400, reason: 'MissingTopic' };
  if (!type || !PUSH_TYPES.has(type)) return { status: 400, reason: 'InvalidPushType' };
  const voipTopic = topic.endsWith('.voip');
  if (voipTopic !== (type === 'voip')) return { status: 400, reason: 'TopicDisallowed' };
  if (o.bundleId && topic !== (type === 'voip' ? `${o.bundleId}.voip` : o.bundleId)) return { status: 400, reason: 'TopicDisallowed' };
  if (h['apns-priority'] !== undefined) {
    const p = Number(h['apns-priority']);
    if (![1, 5, 10].includes(p) || (type === 'background' && p === 10)) return { status: 400, reason: 'BadPriority' };
    push.priority = p;
  } else {
    push.priority = 10;
    if (type === 'background') return { status: 400, reason: 'BadPriority' };
  }
  if (h['apns-expiration'] !== undefined) {
    if (!/^\d+$/.test(h['apns-expiration'])) return { status: 400, reason: 'BadExpirationDate' };
    push.expiration = Number(h['apns-expiration']);
  }
  if (h['apns-collapse-id'] !== undefined && Buffer.byteLength(h['apns-collapse-id']) > 64) return { status: 400, reason: 'BadCollapseId' };
  if (h['apns-id'] !== undefined && !UUID.test(h['apns-id'])) return { status: 400, reason: 'BadMessageId' };
  return undefined;
}

function checkPayload(body: string, push: ApnsPush): Verdict | undefined {
  if (body.length === 0) return { status: 400, reason: 'PayloadEmpty' };
  const limit = push.pushType === 'voip' ? 5120 : 4096;
  if (Buffer.byteLength(body) > limit) return { status: 413, reason: 'PayloadTooLarge' };
  let json: unknown;
  try { json = JSON.parse(body); } catch { return { status: 400, reason: 'BadPayload' }; }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { status: 400, reason: 'BadPayload' };
  push.payload = json as Record<string, unknown>;
  const aps = push.payload.aps;
  if (typeof aps !== 'object' || aps === null || Array.isArray(aps)) return { status: 400, reason: 'BadPayload' };
  return undefined;
}

export async function startFakeApns(opts: FakeApnsOptions): Promise<FakeApns> {
  const tls = makeServerCert(['localhost']);
  const received: ApnsPush[] = [];
  const waiters = new Waiters<ApnsPush>(received);
  const replies = new ScriptedReplies<ApnsReply>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createSecureServer({ key: tls.keyPem, cert: tls.certPem, allowHTTP1: false });
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });

  server.on('stream', (stream, rawHeaders) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const h = headerMap(rawHeaders);
      const path = h[':path'] ?? '';
      const m = /^\/3\/device\/([^/?]+)$/.exec(path);
      const apnsId = h['apns-id'] && UUID.test(h['apns-id']) ? h['apns-id'] : randomUUID();
      const push: ApnsPush = {
        token: m ? decodeURIComponent(m[1]) : '', method: h[':method'] ?? '', path, headers: h, rawBody: Buffer.concat(chunks).toString('utf8'),
        status: 0, apnsId, at: Date.now(),
      };
      if (h['apns-topic']) push.topic = h['apns-topic'];
      if (h['apns-push-type']) push.pushType = h['apns-push-type'];
      if (h['apns-collapse-id']) push.collapseId = h['apns-collapse-id'];
      let verdict: Verdict | undefined =
        push.method !== 'POST' ? { status: 405, reason: 'MethodNotAllowed' }
          : !m ? { status: 404, reason: 'BadPath' }
            : !/^[0-9a-fA-F]{64,200}$/.test(push.token) ? { status: 400, reason: 'BadDeviceToken' }
              : undefined;
      verdict ??= checkJwt(h.authorization, opts, push) ?? checkHeaders(h, opts, push) ?? checkPayload(push.rawBody, push);
      const reply: ApnsReply = verdict ?? replies.next(push.token) ?? { status: 200 };
      push.status = reply.status;
      if (reply.reason) push.reason = reply.reason;
      const out: http2.OutgoingHttpHeaders = { ':status': reply.status, 'apns-id': apnsId };
      if (reply.retryAfter !== undefined) out['retry-after'] = String(reply.retryAfter);
      let body: string | undefined;
      if (reply.status !== 200) {
        out['content-type'] = 'application/json';
        body = JSON.stringify(reply.status === 410
          ? { reason: reply.reason ?? 'Unregistered', timestamp: reply.timestamp ?? Date.now() }
          : { reason: reply.reason ?? 'InternalServerError' });
      }
      waiters.add(push);
      if (stream.destroyed) return;
      stream.respond(out, { endStream: body === undefined });
      if (body !== undefined) stream.end(body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port, caPem: tls.certPem, caFile: tls.caFile, received,
    respond: (token, reply) => replies.respond(token, reply),
    clearReplies: (token) => replies.clear(token),
    waitFor: (pred, ms = 5000) => waiters.waitFor(pred, ms, 'fake APNs'),
    close: () => new Promise<void>((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    }),
  };
}

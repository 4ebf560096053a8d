// Compact JWS with HS256 (RFC 7515 §7.1, RFC 7518 §3.2), enough for the API's own tokens: only
// "alg":"HS256" is accepted (RFC 8725 §3.1: never let the token choose the algorithm), the
// signature is compared in constant time, exp is required.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface JwtClaims {
  [name: string]: unknown;
  /** Expiry, seconds since the epoch (RFC 7519 §4.1.4). */
  exp: number;
  iat?: number;
  typ?: string;
}

export type JwtResult =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(key: string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function signJwt(key: string, claims: JwtClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const data = `${HEADER}.${body}`;
  return `${data}.${sign(key, data).toString('base64url')}`;
}

export function verifyJwt(key: string, token: string, nowMs: number): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, reason: 'malformed' };
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') return { ok: false, reason: 'malformed' };
  const expected = sign(key, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  if (typeof claims !== 'object' || claims === null || typeof (claims as { exp?: unknown }).exp !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  const c = claims as JwtClaims;
  if (c.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: c };
}

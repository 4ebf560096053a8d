// Operator authentication for the CDR routes: an API key made with `ctl apikey create`, sent as
// "Authorization: Bearer ol_..." (RFC 6750) or "X-API-Key: ol_...". The key's row is read on every
// request, so a revoked key is refused at once. 401 = no usable key; 403 = a real credential that
// may not do this (an account's access token, or a key without the route's scope).
import type { Request } from 'express';
import type { ApiKeyRepo, ApiKeyScope } from '@openline/db';
import { looksLikeApiKey } from '@openline/db';
import { ApiError, forbidden, unauthorized } from '../errors';
import type { AccessTokens } from './auth';
import type { RateLimiter } from './rate-limit';

export type OperatorScope = ApiKeyScope;

export interface OperatorContext {
  keyId: number;
  name: string;
  scopes: OperatorScope[];
}

export interface OperatorAuthDeps {
  apiKeys: ApiKeyRepo;
  access: AccessTokens;
  limiter: RateLimiter;
  /** Requests per minute one key may make (fixed window, counted in Redis across API nodes). */
  requestsPerMinutePerKey: number;
  now(): number;
}

const HOW = 'send an operator API key as "Authorization: Bearer ol_..." or "X-API-Key: ol_..." (ctl apikey create)';
/** last_used_at is written at most this often per key and API process. */
const TOUCH_EVERY_MS = 60_000;

/** The credential presented, and where: X-API-Key wins over Authorization. */
export function presentedCredential(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
}

export class OperatorAuth {
  private readonly touched = new Map<number, number>();

  constructor(private readonly d: OperatorAuthDeps) {}

  async authenticate(req: Request, scope: OperatorScope): Promise<OperatorContext> {
    const presented = presentedCredential(req);
    if (!presented) throw unauthorized(`missing API key: ${HOW}`, 'api_key_required');
    if (!looksLikeApiKey(presented)) {
      // A signed-in user's token is a real credential, just not one for operator routes.
      if (await this.d.access.verify(presented)) {
        throw forbidden('account access tokens cannot use operator routes: use an operator API key', 'operator_only');
      }
      throw unauthorized(`invalid API key: ${HOW}`, 'invalid_api_key');
    }
    const key = await this.d.apiKeys.verify(presented);
    if (!key) throw unauthorized(`invalid API key: ${HOW}`, 'invalid_api_key');
    if (key.revokedAt) throw unauthorized(`API key '${key.name}' was revoked`, 'api_key_revoked');
    if (!key.scopes.includes(scope)) {
      throw new ApiError(403, 'insufficient_scope', `API key '${key.name}' lacks the '${scope}' scope (it has: ${key.scopes.join(', ')})`);
    }
    await this.d.limiter.consume({ key: `apikey:${key.id}`, max: this.d.requestsPerMinutePerKey, windowSeconds: 60 },
      `API key '${key.name}' made more than ${this.d.requestsPerMinutePerKey} requests this minute`);
    this.touch(key.id);
    return { keyId: key.id, name: key.name, scopes: key.scopes };
  }

  /** Records use without a write per request; a failed write is not the request's problem. */
  private touch(id: number): void {
    const now = this.d.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.d.apiKeys.touch(id).catch(() => this.touched.delete(id));
  }
}

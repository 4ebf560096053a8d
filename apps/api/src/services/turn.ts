// TURN REST credentials (draft-uberti-behave-turn-rest, as coturn's use-auth-secret reads them):
// username "<expiry unix time>:<account>", password base64(HMAC-SHA-1(static-auth-secret, username)).
import { createHmac } from 'node:crypto';

export interface TurnCredentials {
  username: string;
  password: string;
  ttl: number;
  uris: string[];
}

export function turnCredentials(o: { secret: string; host: string; port: number; ttlSeconds: number }, account: string, nowMs: number): TurnCredentials {
  const username = `${Math.floor(nowMs / 1000) + o.ttlSeconds}:${account}`;
  const password = createHmac('sha1', o.secret).update(username).digest('base64');
  const hostport = o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
  return { username, password, ttl: o.ttlSeconds, uris: [`turn:${hostport}?transport=udp`, `turn:${hostport}?transport=tcp`, `stun:${hostport}`] };
}

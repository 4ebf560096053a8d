// How a parsed header name is stored: known headers get their canonical long form ('v' → 'Via',
// 'cseq' → 'CSeq'); unknown extension headers keep the spelling they arrived with, so a proxy
// forwards them as received (RFC 4475 wsinv "NewFangledHeader").

import { canonicalName, headerKey } from './message';

/** Header fields of RFC 3261 §20 and common extensions (lower-case long form). */
const KNOWN = [
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'accept-resource-priority',
  'alert-info', 'allow', 'allow-events', 'answer-mode', 'authentication-info', 'authorization',
  'call-id', 'call-info', 'contact', 'content-disposition', 'content-encoding', 'content-id',
  'content-language', 'content-length', 'content-type', 'cseq', 'date', 'error-info', 'event',
  'expires', 'flow-timer', 'from', 'geolocation', 'geolocation-error', 'geolocation-routing',
  'history-info', 'identity', 'identity-info', 'in-reply-to', 'join', 'max-breadth',
  'max-forwards', 'mime-version', 'min-expires', 'min-se', 'organization', 'path', 'priority',
  'privacy', 'proxy-authenticate', 'proxy-authorization', 'proxy-require', 'rack', 'reason',
  'record-route', 'refer-sub', 'refer-to', 'referred-by', 'reject-contact', 'replaces', 'reply-to',
  'request-disposition', 'require', 'resource-priority', 'retry-after', 'route', 'rseq',
  'security-client', 'security-server', 'security-verify', 'server', 'service-route',
  'session-expires', 'session-id', 'sip-etag', 'sip-if-match', 'subject', 'subscription-state',
  'supported', 'target-dialog', 'timestamp', 'to', 'unsupported', 'user-agent', 'via', 'warning',
  'www-authenticate', 'p-asserted-identity', 'p-preferred-identity', 'p-access-network-info',
  'p-associated-uri', 'p-called-party-id', 'p-charging-function-addresses', 'p-charging-vector',
  'p-visited-network-id', 'p-early-media', 'recv-info', 'info-package', 'feature-caps',
];

const CANONICAL = new Map<string, string>();
for (const k of KNOWN) CANONICAL.set(k, canonicalName(k));

const storedCache = new Map<string, string>();

/** Name to store for a header written as `written` whose lookup key is `key`. */
export function storedName(written: string, key: string): string {
  const canonical = CANONICAL.get(key);
  if (canonical !== undefined) return canonical;
  const cached = storedCache.get(written);
  if (cached !== undefined) return cached;
  if (storedCache.size < 4096) storedCache.set(written, written);
  return written;
}

export { headerKey };

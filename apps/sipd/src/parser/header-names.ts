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

export interface KnownName {
  key: string;
  name: string;
}

/** Spellings (lower-case) recognised without slicing or hashing, bucketed by length. */
const BY_LENGTH: KnownName[][] = [];
const SPELLING: string[][] = [];
function addSpelling(spelled: string, key: string): void {
  const len = spelled.length;
  (BY_LENGTH[len] ??= []).push({ key, name: CANONICAL.get(key) ?? canonicalName(key) });
  (SPELLING[len] ??= []).push(spelled);
}
for (const k of KNOWN) addSpelling(k, k);
for (const [c, k] of Object.entries({ v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported', s: 'subject', e: 'content-encoding', o: 'event', r: 'refer-to', b: 'referred-by', u: 'allow-events', x: 'session-expires', a: 'accept-contact', j: 'reject-contact', d: 'request-disposition', y: 'identity', n: 'identity-info' })) {
  addSpelling(c, k);
}

/**
 * The known header written at s[start, end), matched case-insensitively in place (no slice, no
 * hash: this runs for every header line). Undefined for extension headers.
 */
export function matchKnown(s: string, start: number, end: number): KnownName | undefined {
  const len = end - start;
  const spellings = SPELLING[len];
  if (spellings === undefined) return undefined;
  for (let k = 0; k < spellings.length; k++) {
    const sp = spellings[k]!;
    let j = 0;
    // c | 0x20 lower-cases ASCII letters; spellings hold only lower-case letters and '-'.
    while (j < len && (s.charCodeAt(start + j) | 0x20) === sp.charCodeAt(j)) j++;
    if (j === len) return BY_LENGTH[len]![k];
  }
  return undefined;
}

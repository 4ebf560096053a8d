// SIP message model (RFC 3261 §7). Headers are kept as an ordered list of raw values, which is
// what the wire protocol hands to apps; structured views (Via, name-addr, CSeq, URI) are parsed
// on demand by the functions in this folder and never cached across mutations.

/** A header line as received or as it will be sent. `key` is the lower-case long form. */
export interface Header {
  /** Name as it will be written (canonical capitalisation, long form). */
  name: string;
  /** Lower-case long form, used for lookups ('v' and 'Via' both give 'via'). */
  key: string;
  value: string;
}

export type SipVersion = 'SIP/2.0';

abstract class SipMessageBase {
  headers: Header[] = [];
  /** Body bytes; empty when there is none. Content-Length is recomputed when serialising. */
  body: Buffer = EMPTY_BODY;

  /** First value of a header (by any spelling: 'Via', 'v', 'via'). */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  /** Every header line with this name, in order, each line as written (not split at commas). */
  getLines(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const h of this.headers) if (h.key === key) out.push(h.value);
    return out;
  }

  /**
   * Every value of a list header (Via, Route, Record-Route, Contact, Allow, Supported, ...):
   * the lines in order, each split at top-level commas (not inside quotes or <>).
   */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (const line of this.getLines(name)) for (const v of splitHeaderList(line)) out.push(v);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every line of the header with one line (appended at the end if absent). */
  set(name: string, value: string): void {
    const key = headerKey(name);
    const i = this.headers.findIndex((h) => h.key === key);
    if (i < 0) {
      this.headers.push({ name: canonicalName(key), key, value });
      return;
    }
    this.headers[i] = { name: this.headers[i]!.name, key, value };
    this.headers = this.headers.filter((h, j) => j <= i || h.key !== key);
  }

  /** Adds a line after the existing ones (or at the end). */
  append(name: string, value: string): void {
    const key = headerKey(name);
    this.headers.push({ name: canonicalName(key), key, value });
  }

  /** Adds a line before the first line of the same header (top Via, Record-Route). */
  prepend(name: string, value: string): void {
    const key = headerKey(name);
    const i = this.headers.findIndex((h) => h.key === key);
    const h = { name: canonicalName(key), key, value };
    if (i < 0) this.headers.push(h);
    else this.headers.splice(i, 0, h);
  }

  /** Removes every line of the header; returns how many were removed. */
  remove(name: string): number {
    const key = headerKey(name);
    const before = this.headers.length;
    this.headers = this.headers.filter((h) => h.key !== key);
    return before - this.headers.length;
  }

  /** Removes the first value of a list header (top Via), keeping the others on that line. */
  removeFirstValue(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.headers.findIndex((h) => h.key === key);
    if (i < 0) return undefined;
    const values = splitHeaderList(this.headers[i]!.value);
    const first = values.shift();
    if (values.length === 0) this.headers.splice(i, 1);
    else this.headers[i] = { ...this.headers[i]!, value: values.join(', ') };
    return first;
  }

  get callId(): string {
    return this.get('call-id') ?? '';
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  constructor(
    public method: string,
    /** Request-URI as text; parse with parseUri() when structure is needed. */
    public uri: string,
    public version: SipVersion = 'SIP/2.0',
  ) {
    super();
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  constructor(
    public status: number,
    public reason: string,
    public version: SipVersion = 'SIP/2.0',
  ) {
    super();
  }
}

export type SipMessage = SipRequest | SipResponse;

export const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** Compact forms (RFC 3261 §7.3.3 and later RFCs). */
const COMPACT: Record<string, string> = {
  a: 'accept-contact', b: 'referred-by', c: 'content-type', d: 'request-disposition',
  e: 'content-encoding', f: 'from', i: 'call-id', j: 'reject-contact', k: 'supported',
  l: 'content-length', m: 'contact', n: 'identity-info', o: 'event', r: 'refer-to',
  s: 'subject', t: 'to', u: 'allow-events', v: 'via', x: 'session-expires', y: 'identity',
};

/** Canonical capitalisation where it is not simply Title-Case of each word. */
const SPECIAL_NAMES: Record<string, string> = {
  'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate', 'mime-version': 'MIME-Version',
  'rack': 'RAck', 'rseq': 'RSeq', 'sip-etag': 'SIP-ETag', 'sip-if-match': 'SIP-If-Match',
  'p-asserted-identity': 'P-Asserted-Identity', 'p-preferred-identity': 'P-Preferred-Identity',
  'alert-info': 'Alert-Info', 'call-info': 'Call-Info', 'error-info': 'Error-Info',
  'min-se': 'Min-SE', 'session-id': 'Session-ID', 'content-id': 'Content-ID',
  'p-associated-uri': 'P-Associated-URI', 'p-called-party-id': 'P-Called-Party-ID',
  'p-visited-network-id': 'P-Visited-Network-ID',
};

const canonicalCache = new Map<string, string>();

const keyCache = new Map<string, string>();

/** Lower-case long form of a header name ('v' → 'via', 'Call-Id' → 'call-id'). */
export function headerKey(name: string): string {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = COMPACT[lower] ?? lower;
  if (keyCache.size < 4096) keyCache.set(name, key);
  return key;
}

/** The name a header is written with: 'call-id' → 'Call-ID', 'max-forwards' → 'Max-Forwards'. */
export function canonicalName(key: string): string {
  const special = SPECIAL_NAMES[key];
  if (special !== undefined) return special;
  const cached = canonicalCache.get(key);
  if (cached !== undefined) return cached;
  const name = key.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
  if (canonicalCache.size < 4096) canonicalCache.set(key, name);
  return name;
}

/**
 * Splits a header value at commas that are not inside a quoted string or <...> (RFC 3261 §7.3.1).
 * Values are trimmed; empty items are dropped.
 */
export function splitHeaderList(value: string): string[] {
  if (value.indexOf(',') < 0) {
    const t = value.trim();
    return t === '' ? [] : [t];
  }
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c /* < */) inAngle = true;
    else if (c === 0x3e /* > */) inAngle = false;
    else if (c === 0x2c /* , */ && !inAngle) {
      const item = value.slice(start, i).trim();
      if (item !== '') out.push(item);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}

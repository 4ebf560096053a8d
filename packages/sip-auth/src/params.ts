// Digest header grammar (RFC 3261 §25.1 digest-response / challenge, RFC 7616 §3.3-3.4):
// `Digest name=value, name="quoted", ...`. Parsers return undefined on malformed input.

/** The credentials a client sent in Authorization (RFC 3261 §22.4, RFC 7616 §3.4). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** As sent; absent means MD5 (RFC 7616 §3.3). */
  algorithm?: string;
  cnonce?: string;
  /** Quality of protection chosen by the client ("auth"). */
  qop?: string;
  /** Nonce count: 8 hex digits (RFC 7616 §3.4). */
  nc?: string;
  opaque?: string;
}

const PARAM_RE = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,|$)/y;

/** name=value pairs after the scheme; keys lower-cased, quoted values unescaped. */
export function parseAuthParams(text: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  PARAM_RE.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    PARAM_RE.lastIndex = pos;
    const m = PARAM_RE.exec(text);
    if (!m) return undefined;
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    out.set(m[1].toLowerCase(), value);
    pos = PARAM_RE.lastIndex;
  }
  return out;
}

/**
 * The Digest credentials of an Authorization header value. Several header lines arrive joined
 * by commas (drachtio's message model), so only the first `Digest` credentials are read.
 */
export function parseDigestCredentials(header: string | undefined): DigestCredentials | undefined {
  if (!header) return undefined;
  const m = /^\s*Digest\s+/i.exec(header);
  if (!m) return undefined;
  let rest = header.slice(m[0].length);
  const next = /,\s*[A-Za-z][A-Za-z0-9-]*\s+[A-Za-z0-9_-]+\s*=/.exec(rest);
  if (next) rest = rest.slice(0, next.index);
  const p = parseAuthParams(rest);
  if (!p) return undefined;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return undefined;
  }
  const creds: DigestCredentials = { username, realm, nonce, uri, response };
  for (const k of ['algorithm', 'cnonce', 'qop', 'nc', 'opaque'] as const) {
    const v = p.get(k);
    if (v !== undefined) creds[k] = v;
  }
  return creds;
}

/** Quotes a value for a challenge (RFC 3261 §25.1 quoted-string). */
export function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

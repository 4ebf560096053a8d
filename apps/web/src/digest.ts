// SIP.js 0.21 answers one WWW-Authenticate/Proxy-Authenticate of a 401/407 (its parser keeps the
// last header line at index 0) and only with MD5. Our registrar and B2BUA send one challenge per
// algorithm, MD5 and SHA-256 (RFC 8760 §2.4), so SIP.js may pick SHA-256 and give up. Before
// SIP.js parses a challenge we keep only the MD5 ones; RFC 8760 §2.4 lets the client choose.

const CHALLENGE = /^(www-authenticate|proxy-authenticate)\s*:/i;
const NOT_MD5 = /\balgorithm\s*=\s*"?(?!md5\b|md5-sess\b)[A-Za-z0-9-]+/i;

/** The raw 401/407 with only its MD5 (or algorithm-less, i.e. MD5) challenges, when it has one; other messages unchanged. */
export function preferMd5Challenges(raw: string): string {
  if (!/^SIP\/2\.0 40[17] /.test(raw)) return raw;
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return raw;
  const lines = raw.slice(0, end).split('\r\n');
  const idx = lines.map((l, i) => (CHALLENGE.test(l) ? i : -1)).filter((i) => i >= 0);
  if (idx.length < 2) return raw;
  const drop = new Set(idx.filter((i) => NOT_MD5.test(lines[i])));
  if (drop.size === idx.length || drop.size === 0) return raw;
  return lines.filter((_, i) => !drop.has(i)).join('\r\n') + raw.slice(end);
}

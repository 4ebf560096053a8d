// Contact header values of a REGISTER (RFC 3261 §20.10, §10.2.1): `*`, or a comma-separated
// list of name-addr / addr-spec with header parameters (expires, q, +sip.instance, reg-id).
// Parsers return undefined on malformed input (SIP.js grammar rule: T | undefined).

export interface ContactValue {
  /** The URI as registered (inside the angle brackets, or the bare addr-spec). */
  uri: string;
  /** Header parameters, names lower-cased; a parameter without value maps to ''. */
  params: Map<string, string>;
}

export type ContactList = { star: true } | { star: false; contacts: ContactValue[] };

/** Splits on commas outside quotes and angle brackets. */
function splitTop(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted || depth !== 0) return undefined;
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** `;name=value;flag;q="x"` → map (quoted values unquoted). */
export function parseParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  const re = /\s*;\s*([^\s;=]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;\s]*))?/y;
  let pos = 0;
  while (pos < text.length) {
    if (text.slice(pos).trim() === '') break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || re.lastIndex === pos) return undefined;
    let v = m[2] ?? '';
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params.set(m[1].toLowerCase(), v);
    pos = re.lastIndex;
  }
  return params;
}

function parseOne(text: string): ContactValue | undefined {
  const lt = text.indexOf('<');
  if (lt >= 0) {
    const gt = text.indexOf('>', lt);
    if (gt < 0) return undefined;
    const uri = text.slice(lt + 1, gt).trim();
    const params = parseParams(text.slice(gt + 1));
    if (!params || !/^(sips?|tel|urn):/i.test(uri)) return undefined;
    return { uri, params };
  }
  // addr-spec without brackets: every ';' parameter is a header parameter (§20.10).
  const semi = text.indexOf(';');
  const uri = (semi < 0 ? text : text.slice(0, semi)).trim();
  const params = parseParams(semi < 0 ? '' : text.slice(semi));
  if (!params || !/^sips?:[^\s]+$/i.test(uri)) return undefined;
  return { uri, params };
}

/** Every Contact of the request (header lines arrive comma-joined); undefined if malformed. */
export function parseContacts(header: string | undefined): ContactList | undefined {
  if (header === undefined || header.trim() === '') return { star: false, contacts: [] };
  if (header.trim() === '*') return { star: true };
  const parts = splitTop(header);
  if (!parts) return undefined;
  const contacts: ContactValue[] = [];
  for (const p of parts) {
    if (p === '*') return undefined; // `*` mixed with other contacts (§10.3 step 6 → 400)
    const c = parseOne(p);
    if (!c) return undefined;
    contacts.push(c);
  }
  return { star: false, contacts };
}

/** URI parameters of a SIP URI (between the host part and any '?headers'). */
export function uriParams(uri: string): Map<string, string> {
  const q = uri.indexOf('?');
  const body = q < 0 ? uri : uri.slice(0, q);
  const semi = body.indexOf(';');
  return (semi < 0 ? undefined : parseParams(body.slice(semi))) ?? new Map();
}

/** Host of a SIP URI (IPv6 without brackets), lower-cased; undefined if none. */
export function uriHost(uri: string): string | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)/i.exec(uri);
  if (!m) return undefined;
  return m[1].replace(/^\[|\]$/g, '').toLowerCase();
}

/** q-value (RFC 3261 §20.10: 0..1, up to 3 decimals) ×1000; undefined if absent or invalid. */
export function qValue(v: string | undefined): number | undefined | 'invalid' {
  if (v === undefined) return undefined;
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return 'invalid';
  return Math.round(Number(v) * 1000);
}

/** Formats a q ×1000 as the shortest decimal (1000 → "1", 500 → "0.5"). */
export function formatQ(q: number): string {
  return String(q / 1000);
}

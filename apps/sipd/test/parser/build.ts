// Builds test messages line by line with CRLF (or another line end) for the parser specs.

export const BASE_REQUEST = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

export const BASE_RESPONSE = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1',
  'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
];

/** Joins header lines, adds the empty line and the body. */
export function msg(lines: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.concat([Buffer.from(lines.join(eol) + eol + eol, 'utf8'), Buffer.from(body, 'utf8')]);
}

/** BASE_REQUEST with header lines replaced (by name prefix) or added. */
export function request(changes: Record<string, string | null> = {}, body = '', start = BASE_REQUEST[0]!): Buffer {
  const lines = [start];
  const done = new Set<string>();
  for (const line of BASE_REQUEST.slice(1)) {
    const name = line.slice(0, line.indexOf(':'));
    if (name in changes) {
      done.add(name);
      const v = changes[name];
      if (v !== null && v !== undefined) lines.push(`${name}: ${v}`);
    } else lines.push(line);
  }
  for (const [name, v] of Object.entries(changes)) if (!done.has(name) && v !== null) lines.push(`${name}: ${v}`);
  return msg(lines, body);
}

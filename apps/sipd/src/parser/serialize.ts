// serializeMessage: start line, headers as stored, a Content-Length matching the body (replaced
// in place or appended, §20.14), CRLF line ends (§7), then the body.

import type { SipMessage } from './message';

/** CR/LF inside a value would start a new header line: fold them to SP (header injection). */
function clean(v: string): string {
  if (v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
  return v.replace(/\r\n[ \t]*|[\r\n][ \t]*/g, ' ');
}

export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === 'request'
      ? clean(msg.method) + ' ' + clean(msg.uri) + ' ' + msg.version + '\r\n'
      : msg.version + ' ' + msg.status + ' ' + clean(msg.reason) + '\r\n';
  const body = msg.body;
  let lengthWritten = false;
  for (const h of msg.headers) {
    if (h.key === 'content-length') {
      if (!lengthWritten) head += 'Content-Length: ' + body.length + '\r\n';
      lengthWritten = true;
      continue;
    }
    head += h.name + ': ' + clean(h.value) + '\r\n';
  }
  if (!lengthWritten) head += 'Content-Length: ' + body.length + '\r\n';
  head += '\r\n';
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + body.length);
  out.write(head, 0, headLen, 'utf8');
  if (body.length > 0) body.copy(out, headLen);
  return out;
}

// RFC 7118 §5: "Each SIP message MUST be carried within a single WebSocket message, and a
// WebSocket message MUST NOT contain more than one SIP message." Classifies one WebSocket message
// (text or binary) as a SIP message, a CRLF keep-alive (RFC 5626 §3.5.1, which SIP.js and JsSIP
// send inside WebSocket messages), or a violation that fails the flow. Pure.

export type WsFrameKind =
  | { type: 'message' }
  | { type: 'ping' } // "\r\n\r\n": answer "\r\n"
  | { type: 'pong' } // "\r\n"
  | { type: 'error'; reason: 'partial-message' | 'several-messages' | 'bad-content-length' };

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$/im;

export function classifyWsFrame(frame: Buffer): WsFrameKind {
  if (isOnlyCrlf(frame)) return frame.length >= 4 ? { type: 'ping' } : { type: 'pong' };
  const end = frame.indexOf(HEADER_END);
  if (end < 0) return { type: 'error', reason: 'partial-message' };
  const headLength = end + 4;
  const m = CONTENT_LENGTH.exec(frame.subarray(0, headLength).toString('latin1'));
  // Without Content-Length the body is the rest of the WebSocket message (the frame delimits it).
  if (m === null) return { type: 'message' };
  const text = m[1] ?? '';
  if (!/^\d{1,9}$/.test(text)) return { type: 'error', reason: 'bad-content-length' };
  const total = headLength + Number(text);
  if (frame.length < total) return { type: 'error', reason: 'partial-message' };
  if (frame.length > total) return { type: 'error', reason: 'several-messages' };
  return { type: 'message' };
}

function isOnlyCrlf(b: Buffer): boolean {
  if (b.length === 0 || b.length > 4) return false;
  for (const c of b) if (c !== 0x0d && c !== 0x0a) return false;
  return true;
}

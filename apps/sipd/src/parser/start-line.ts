// Request-Line = Method SP Request-URI SP SIP-Version; Status-Line = SIP-Version SP Status-Code
// SP Reason-Phrase (RFC 3261 §7.1, §7.2, §25.1). Exactly one SP between elements: RFC 4475
// lwsstart and trws are rejected rather than repaired.

import { TOKEN, scanRun } from './chars';

export type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string }
  | { kind: 'response'; status: number; reason: string; version: string };

export interface StartLineError {
  kind: 'error';
  reason: string;
  /** 505 for a SIP version we do not speak (RFC 3261 §21.5.6, RFC 4475 badvers). */
  status?: number;
  /** Method and URI as far as they could be read, so a request can still be answered. */
  method?: string;
  uri?: string;
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive (§7.1, §25.1). */
function checkVersion(v: string): 'ok' | 'unsupported' | 'malformed' {
  if (v === 'SIP/2.0') return 'ok';
  const upper = v.toUpperCase();
  if (upper === 'SIP/2.0') return 'ok';
  if (!upper.startsWith('SIP/')) return 'malformed';
  const dot = upper.indexOf('.', 4);
  if (dot <= 4 || dot === upper.length - 1) return 'malformed';
  for (let i = 4; i < upper.length; i++) {
    const c = upper.charCodeAt(i);
    if (i !== dot && (c < 0x30 || c > 0x39)) return 'malformed';
  }
  return 'unsupported';
}

export function parseStartLine(line: string): StartLine | StartLineError {
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return { kind: 'error', reason: 'Bad Request - Malformed Start Line' };
  const first = line.slice(0, sp1);
  if (first.indexOf('/') >= 0) return parseStatusLine(line, first, sp1);
  const method = first;
  const sp2 = line.indexOf(' ', sp1 + 1);
  const uri = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  const bad = (reason: string, status?: number): StartLineError => {
    const e: StartLineError = { kind: 'error', reason, method, uri: uri.trim() };
    if (status !== undefined) e.status = status;
    return e;
  };
  if (scanRun(TOKEN, method, 0, method.length) !== method.length) return bad('Bad Request - Malformed Method');
  if (sp2 < 0 || uri.length === 0) return bad('Bad Request - Malformed Request-Line');
  const version = line.slice(sp2 + 1);
  if (version.indexOf(' ') >= 0 || uri.indexOf('\t') >= 0) return bad('Bad Request - Malformed Request-Line');
  const v = checkVersion(version);
  if (v === 'unsupported') return bad('Version Not Supported', 505);
  if (v === 'malformed') return bad('Bad Request - Malformed SIP Version');
  return { kind: 'request', method, uri, version: 'SIP/2.0' };
}

function parseStatusLine(line: string, version: string, sp1: number): StartLine | StartLineError {
  if (checkVersion(version) !== 'ok') return { kind: 'error', reason: 'Bad Request - Unsupported SIP Version' };
  // Status-Code = 3DIGIT; extension codes stay within 100-699 (§21, RFC 4475 bigcode).
  const codeEnd = sp1 + 4;
  let status = 0;
  for (let i = sp1 + 1; i < codeEnd; i++) {
    const d = line.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return { kind: 'error', reason: 'Bad Request - Malformed Status-Code' };
    status = status * 10 + d;
  }
  if (status < 100 || status > 699) return { kind: 'error', reason: 'Bad Request - Malformed Status-Code' };
  // Reason-Phrase may be empty; a missing SP before it is tolerated (RFC 4475 noreason).
  if (line.length > codeEnd && line.charCodeAt(codeEnd) !== 0x20) {
    return { kind: 'error', reason: 'Bad Request - Malformed Status-Line' };
  }
  return { kind: 'response', status, reason: line.slice(codeEnd + 1), version: 'SIP/2.0' };
}

// CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16). The number must be < 2^31 (§8.1.1.5).

import type { CSeq } from './types';
import { TOKEN, isWsp, scanRun, skipWs } from './chars';

export const MAX_CSEQ = 0x7fffffff;

export function parseCSeq(text: string): CSeq | undefined {
  const s = text;
  const n = s.length;
  let i = skipWs(s, 0, n);
  const numStart = i;
  let seq = 0;
  while (i < n) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
    if (seq > MAX_CSEQ) return undefined; // RFC 4475 scalar02 / scalarlg
    i++;
  }
  if (i === numStart || i >= n || !isWsp(s.charCodeAt(i))) return undefined;
  i = skipWs(s, i, n);
  const mStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === mStart || skipWs(s, i, n) !== n) return undefined;
  return { seq, method: s.slice(mStart, i) };
}

export function formatCSeq(c: CSeq): string {
  return c.seq + ' ' + c.method;
}

// Content-Length = 1*DIGIT (RFC 3261 §20.14).

/** The value as a number, or -1 when it is not 1*DIGIT (RFC 4475 ncl) or absurdly long. */
export function contentLength(value: string): number {
  const s = value.trim();
  if (s.length === 0 || s.length > 10) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

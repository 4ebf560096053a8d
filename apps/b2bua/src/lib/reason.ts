// The Reason header (RFC 3326): why a request was sent or a call ended, as protocol, cause, text.
import type { CdrHangupCause } from '@openline/cdr';

/** `SIP;cause=200;text="Call completed elsewhere"` (RFC 3326 §2). */
export function formatReason(cause: number, text: string, protocol = 'SIP'): string {
  return `${protocol};cause=${cause};text="${text.replace(/["\\]/g, '')}"`;
}

/** The first reason value of a Reason header; null when absent or unreadable. */
export function parseReason(value: string | undefined): CdrHangupCause | null {
  if (!value) return null;
  const first = value.split(/,(?=\s*[A-Za-z0-9.]+\s*;)/)[0];
  const m = /^\s*([A-Za-z0-9.-]+)\s*(;.*)?$/.exec(first);
  if (!m) return null;
  const params = m[2] ?? '';
  const cause = /;\s*cause\s*=\s*(\d+)/i.exec(params)?.[1];
  const text = /;\s*text\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(params)?.[1] ?? /;\s*text\s*=\s*([^;\s]+)/i.exec(params)?.[1];
  return { protocol: m[1], cause: cause === undefined ? null : Number(cause), text: text ?? null };
}

/** RFC 3326 §2 example cause for "answered elsewhere", sent on CANCELs to the losing branches. */
export const COMPLETED_ELSEWHERE = formatReason(200, 'Call completed elsewhere');

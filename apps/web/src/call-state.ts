// Call states and outcomes, as the screen shows them (pure: no SIP.js, no DOM).

/** The call screen's data-state. */
export type CallState = 'calling' | 'ringing' | 'established' | 'held' | 'ended';

/** Why a call did not happen (call-error's data-reason). */
export type CallErrorReason = 'busy' | 'unreachable' | 'declined' | 'media-denied' | 'failed';

export interface CallError {
  reason: CallErrorReason;
  text: string;
}

/**
 * The reason for a final failure response to our INVITE (RFC 3261 §21): 486 Busy Here and
 * 600 Busy Everywhere are busy; 404, 408 and 480 mean nobody can be reached; 603 Decline is a
 * refusal; anything else is a failure with the server's reason phrase.
 */
export function errorForStatus(status: number, phrase: string): CallError {
  switch (status) {
    case 486:
    case 600:
      return { reason: 'busy', text: 'The person you called is busy' };
    case 404:
    case 408:
    case 480:
    case 410:
    case 604:
      return { reason: 'unreachable', text: 'The person you called cannot be reached' };
    case 603:
      return { reason: 'declined', text: 'The call was declined' };
    default:
      return { reason: 'failed', text: `Call failed: ${status} ${phrase}`.trim() };
  }
}

/** A getUserMedia failure as the user should read it. */
export function errorForMedia(err: unknown, video: boolean): CallError {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return { reason: 'media-denied', text: video ? 'Microphone or camera permission denied' : 'Microphone permission denied' };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return { reason: 'failed', text: video ? 'No microphone or camera found' : 'No microphone found' };
  }
  return { reason: 'failed', text: `Cannot use the microphone${video ? ' or camera' : ''}: ${(err as Error)?.message ?? String(err)}` };
}

/** mm:ss (minutes keep counting past 59). */
export function formatTimer(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** A SIP URI for what was typed: a full sip: URI as is, else user part @ the domain. */
export function targetUri(input: string, domain: string): string | undefined {
  const t = input.trim();
  if (!t) return undefined;
  if (/^sips?:/i.test(t)) return t;
  if (t.includes('@')) return `sip:${t}`;
  // Numbers keep only digits and a leading +; usernames as typed.
  const user = /^[+0-9\s\-.()]+$/.test(t) ? t.replace(/[\s\-.()]/g, '') : t;
  return `sip:${user}@${domain}`;
}

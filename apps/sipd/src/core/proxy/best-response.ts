// Choosing the response a stateful proxy sends upstream when no 2xx arrived (RFC 3261 §16.7
// steps 6 and 7): a 6xx if any; otherwise the lowest class, preferring within 4xx the responses
// that let the caller resubmit (401, 407, 415, 420, 484); challenges of every 401/407 collected
// into the chosen one; a chosen 503 becomes 500 (a 503 would make the caller fail over past us).
import { SipResponse } from '../../parser';

/** §16.7 step 6: 4xx responses that carry what the caller needs to retry. */
const RESUBMIT_INFO = new Set([401, 407, 415, 420, 484]);

function rank(status: number): number {
  if (status >= 600) return 0;
  return Math.floor(status / 100) * 10 + (status >= 400 && status < 500 && RESUBMIT_INFO.has(status) ? 0 : 1);
}

/** The index of the best final response (stable: the earliest of equal rank), or -1. */
export function bestResponseIndex(responses: readonly SipResponse[]): number {
  let best = -1;
  for (let i = 0; i < responses.length; i++) {
    const s = responses[i]!.status;
    if (s < 300) continue;
    if (best < 0 || rank(s) < rank(responses[best]!.status)) best = i;
  }
  return best;
}

/**
 * The response to send upstream, built from the received finals (non-2xx, ≥ 300), or undefined
 * when there is none (the caller then answers 408, §16.7 step 6 / §16.8).
 */
export function bestResponse(responses: readonly SipResponse[]): SipResponse | undefined {
  const i = bestResponseIndex(responses);
  if (i < 0) return undefined;
  const chosen = responses[i]!;
  const out = copyResponse(chosen, chosen.status === 503 ? 500 : chosen.status, chosen.status === 503 ? 'Server Internal Error' : chosen.reason);
  // §16.7 step 7: every WWW-Authenticate / Proxy-Authenticate of the 401/407s goes up.
  if (chosen.status === 401 || chosen.status === 407) {
    for (let j = 0; j < responses.length; j++) {
      if (j === i) continue;
      const r = responses[j]!;
      if (r.status !== 401 && r.status !== 407) continue;
      for (const v of r.getLines('www-authenticate')) out.append('www-authenticate', v);
      for (const v of r.getLines('proxy-authenticate')) out.append('proxy-authenticate', v);
    }
  }
  return out;
}

export function copyResponse(res: SipResponse, status = res.status, reason = res.reason): SipResponse {
  const out = new SipResponse(status, reason);
  out.headers = res.headers.map((h) => ({ ...h }));
  out.body = res.body;
  return out;
}

// The few SDP facts the call apps need (RFC 4566 lines read as text; no full parser): the media
// direction for hold detection (RFC 3264 §8.4), the negotiated codec, whether an offer comes from
// WebRTC, and the BUNDLE group rtpengine 10.5 leaves out (RFC 8843).

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.length > 0);
}

/** The direction of the first audio m-section (else the session level), default sendrecv. */
export function direction(sdp: string): Direction {
  let session: Direction | undefined;
  let media: Direction | undefined;
  let inAudio = false;
  let seenMedia = false;
  for (const l of lines(sdp)) {
    if (l.startsWith('m=')) {
      if (seenMedia && inAudio) break;
      seenMedia = true;
      inAudio = l.startsWith('m=audio');
      continue;
    }
    const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(l);
    if (!m) continue;
    if (!seenMedia) session = m[1] as Direction;
    else if (inAudio) media = m[1] as Direction;
  }
  // RFC 4566 §6: c=0.0.0.0 (RFC 2543 hold) also means no media.
  if (/^c=IN IP4 0\.0\.0\.0\s*$/m.test(sdp)) return 'inactive';
  return media ?? session ?? 'sendrecv';
}

/** A hold offer: sendonly or inactive (RFC 3264 §8.4, RFC 6337 §5.3). */
export function isHold(sdp: string): boolean {
  const d = direction(sdp);
  return d === 'sendonly' || d === 'inactive';
}

/** "PCMU/8000", "opus/48000/2": the first payload of the first audio m-line, by rtpmap or static PT. */
export function firstCodec(sdp: string): string | null {
  const all = lines(sdp);
  const m = all.find((l) => l.startsWith('m=audio'));
  if (!m) return null;
  const pts = m.split(/\s+/).slice(3);
  const STATIC: Record<string, string> = { 0: 'PCMU/8000', 8: 'PCMA/8000', 9: 'G722/8000', 18: 'G729/8000', 3: 'GSM/8000' };
  for (const pt of pts) {
    const map = all.find((l) => l.startsWith(`a=rtpmap:${pt} `));
    const name = map ? map.slice(map.indexOf(' ') + 1).trim() : STATIC[pt];
    if (name && !/^telephone-event\//i.test(name) && !/^CN\//i.test(name)) return name;
  }
  return null;
}

/** RFC 8827 profile: UDP/TLS/RTP/SAVPF with ICE is what a browser offers. */
export function isWebRtc(sdp: string): boolean {
  return /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF\b/m.test(sdp);
}

/** SDES-SRTP (RTP/SAVP with a=crypto, RFC 4568). */
export function isSrtp(sdp: string): boolean {
  return /^m=audio \d+ RTP\/SAVPF?\b/m.test(sdp);
}

/**
 * Adds `a=group:BUNDLE <mids>` at session level when the SDP has a=mid lines but no group:
 * rtpengine 10.5 omits it and ignores `sdp-attr`, and Chrome with max-bundle rejects such an
 * answer (shared/env/components.md).
 */
export function ensureBundle(sdp: string): string {
  if (/^a=group:BUNDLE/m.test(sdp)) return sdp;
  const mids = [...sdp.matchAll(/^a=mid:(\S+)\s*$/gm)].map((m) => m[1]);
  if (mids.length === 0) return sdp;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const all = sdp.split(eol);
  const t = all.findIndex((l) => l.startsWith('t='));
  const firstMedia = all.findIndex((l) => l.startsWith('m='));
  const at = t >= 0 && (firstMedia < 0 || t < firstMedia) ? t + 1 : Math.max(firstMedia, 0);
  all.splice(at, 0, `a=group:BUNDLE ${mids.join(' ')}`);
  return all.join(eol);
}

/**
 * Removes a=ssrc and a=ssrc-group (RFC 5576) from the audio m-sections. rtpengine 10.5 copies
 * these lines from the other leg's SDP unchanged, but when it transcodes it sends under an SSRC
 * of its own (media_socket.c maps every transcoded stream to a new random SSRC; no option keeps
 * the original). Chrome binds the receiver's track to the SSRC signalled and decodes the actual
 * stream as an unsignaled one that nothing plays: the call is silent although packets and
 * decoded samples arrive (issue 9: PCMU → opus, totalAudioEnergy 0). Without a=ssrc the single
 * audio stream is matched by payload type (RFC 8843 §9.2), whatever SSRC it carries. Video
 * is never transcoded, so its SSRCs (and RTX groups) stay.
 */
export function dropAudioSsrc(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  let inAudio = false;
  return sdp.split(eol).filter((l) => {
    if (l.startsWith('m=')) inAudio = l.startsWith('m=audio');
    return !(inAudio && /^a=ssrc(-group)?:/.test(l));
  }).join(eol);
}

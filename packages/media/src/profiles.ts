// Per-leg profiles as rtpengine ng flags (the SDP rtpengine writes for a leg follows that leg's
// profile): WebRTC = ICE + DTLS-SRTP + rtcp-mux (RFC 8827/8834) with opus; SIP device = plain
// RTP/AVP (or SDES-SRTP) without ICE; trunk = RTP/AVP with only the trunk's codecs. Codecs a leg
// lacks are added with `transcode`, which rtpengine appends after the offered ones, so a peer
// that shares a codec picks it (no transcoding) and transcoding happens only when none is shared.
import type { NgValue } from 'rtpengine-client';
import type { LegProfile } from './types';

export const DEFAULT_CODECS: Readonly<Record<LegProfile['kind'], readonly string[]>> = {
  webrtc: ['opus', 'PCMU', 'PCMA'],
  sip: ['PCMU', 'PCMA', 'opus'],
  'sip-srtp': ['PCMU', 'PCMA', 'opus'],
  trunk: ['PCMU', 'PCMA'],
};

/** rtpengine's names for codecs as trunks store them ("G.729" → "G729"). */
export function ngCodecName(codec: string): string {
  const c = codec.trim();
  const up = c.toUpperCase().replace(/\./g, '');
  if (up === 'OPUS') return 'opus';
  return ['PCMU', 'PCMA', 'G729', 'G722', 'GSM'].includes(up) ? up : c;
}

/** Flags shaping the SDP rtpengine writes towards a leg with this profile. */
export function flagsFor(profile: LegProfile): Record<string, NgValue> {
  const codecs = (profile.codecs && profile.codecs.length > 0 ? profile.codecs : DEFAULT_CODECS[profile.kind]).map(ngCodecName);
  const common: Record<string, NgValue> = { replace: ['origin', 'session-connection'] };
  switch (profile.kind) {
    case 'webrtc':
      return {
        ...common,
        'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force',
        SDES: ['off'],
        'rtcp-mux': ['offer', 'require'],
        flags: ['generate mid'],
        codec: { transcode: [...codecs, 'telephone-event'] },
      };
    case 'sip':
      return {
        ...common,
        'transport-protocol': 'RTP/AVP',
        ICE: 'remove',
        DTLS: 'off',
        'rtcp-mux': ['demux'],
        codec: { transcode: [...codecs, 'telephone-event'] },
      };
    case 'sip-srtp':
      return {
        ...common,
        'transport-protocol': 'RTP/SAVP',
        ICE: 'remove',
        DTLS: 'off',
        'rtcp-mux': ['demux'],
        codec: { transcode: [...codecs, 'telephone-event'] },
      };
    case 'trunk':
      // Only the trunk's codecs leave towards the carrier: everything else is masked (still
      // accepted from our side and transcoded).
      return {
        ...common,
        'transport-protocol': 'RTP/AVP',
        ICE: 'remove',
        DTLS: 'off',
        'rtcp-mux': ['demux'],
        codec: { mask: ['all'], transcode: [...codecs, 'telephone-event'] },
      };
  }
}

/** The profile a leg's own SDP shows (used for a caller whose kind we learn from its offer). */
export function profileOfSdp(sdp: string, codecs?: readonly string[]): LegProfile {
  const kind = /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF\b/m.test(sdp) ? 'webrtc' : /^m=audio \d+ RTP\/SAVPF?\b/m.test(sdp) ? 'sip-srtp' : 'sip';
  return codecs ? { kind, codecs } : { kind };
}

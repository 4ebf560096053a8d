// The media server seen by call apps, shaped after drachtio-fsmrf: a server hands out endpoints
// (one per call), an endpoint is created by the first offer, modified by later offers/answers,
// plays files and DTMF, records, blocks media, and is deleted once, reporting its final stats.
// Legs are named by the app (any string: 'a', 'b1', ...), not by SIP tags, so a leg can move
// between dialogs (transfers) without the media server knowing.

/** How a leg's endpoint speaks media (brief: WebRTC ↔ SIP device ↔ trunk). */
export type LegProfileKind = 'webrtc' | 'sip' | 'sip-srtp' | 'trunk';

export interface LegProfile {
  kind: LegProfileKind;
  /**
   * Codecs the leg accepts, in preference order (rtpengine names: PCMU, PCMA, G729, opus, G722).
   * Trunks: only these are offered (others transcoded). Others: added to the offer so a peer with
   * no codec in common can still pick one (rtpengine transcodes then).
   */
  codecs?: readonly string[];
}

export interface OfferParams {
  /** The leg whose SDP this is (the offerer). */
  from: string;
  /** The leg that will receive the SDP we return (its profile shapes the output). */
  to: string;
  sdp: string;
  toProfile: LegProfile;
  /**
   * The `to` leg does not exist yet (a new branch, e.g. one device of a fork): the offer opens a
   * branch of its own (rtpengine via-branch), so forks to devices of different profiles coexist.
   */
  initial?: boolean;
}

export interface AnswerParams {
  /** The leg that made the offer (it will receive the SDP we return). */
  offerer: string;
  /** The leg whose answer this is. */
  answerer: string;
  sdp: string;
  offererProfile: LegProfile;
  /** Answers an `initial` offer (the branch that won). */
  initial?: boolean;
}

/** Final per-leg media statistics (rtpengine's delete answer); null = not reported. */
export interface LegStats {
  /** RTP packets/bytes received from this leg's endpoint. */
  packetsIn: number | null;
  bytesIn: number | null;
  /** RTP packets/bytes sent to this leg's endpoint (what its peer legs delivered to us). */
  packetsOut: number | null;
  bytesOut: number | null;
  /** Packets lost towards us, from RTCP reports (rtpengine's SSRC stats). */
  packetsLost: number | null;
  jitterMs: number | null;
  /** Average MOS 1..5 when rtpengine computes one (needs RTCP). */
  mos: number | null;
}

export interface EndpointStats {
  legs: Record<string, LegStats>;
  /** Total RTP packets relayed. */
  totalPackets: number;
}

export interface PlayOptions {
  /** Loop count (rtpengine repeat-times); default 1. */
  repeat?: number;
}

/** One call's anchored media: every leg of the call on one media server instance. */
export interface MediaEndpoint {
  /** The media server's call id. */
  readonly id: string;
  /** Name of the instance holding it. */
  readonly instance: string;
  readonly closed: boolean;
  /** An offer from `from`, rewritten for `to` (its profile), e.g. the INVITE or a re-INVITE. */
  offer(p: OfferParams): Promise<string>;
  /** The answer from `answerer`, rewritten for the offerer. */
  answer(p: AnswerParams): Promise<string>;
  /** Plays a file (wav/mp3 path on the media server host) to a leg. */
  play(leg: string, file: string, opts?: PlayOptions): Promise<void>;
  stopPlay(leg: string): Promise<void>;
  /** Injects an RFC 4733 DTMF event towards a leg (its peer hears the digit). */
  playDtmf(leg: string, digit: string, durationMs?: number): Promise<void>;
  /** Drops media coming from a leg (its peers hear silence) / restores it. */
  block(leg: string): Promise<void>;
  unblock(leg: string): Promise<void>;
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  /** Current statistics (without ending anything). */
  stats(): Promise<EndpointStats>;
  /** Forgets one leg (it left the call, e.g. after a transfer). */
  deleteLeg(leg: string): Promise<void>;
  /**
   * Deletes the endpoint and returns its final stats. Idempotent: every call returns the same
   * promise; failures resolve with empty stats (the call ends anyway) and are logged by the server.
   */
  destroy(): Promise<EndpointStats>;
}

export interface MediaServer {
  /** Anchors a new call on a healthy instance; rejects MediaUnavailableError when none is up. */
  createEndpoint(id: string): Promise<MediaEndpoint>;
  /** Health of every configured instance. */
  health(): InstanceHealth[];
  close(): Promise<void>;
}

export interface InstanceHealth {
  name: string;
  up: boolean;
  endpoints: number;
  consecutiveFailures: number;
  lastError?: string;
}

export class MediaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaUnavailableError';
  }
}

/** A media server command failed (rtpengine answered `error` or timed out). */
export class MediaCommandError extends Error {
  constructor(message: string, readonly timedOut = false) {
    super(message);
    this.name = 'MediaCommandError';
  }
}

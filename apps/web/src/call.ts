// One call around a SIP.js session (Inviter for ours, Invitation for theirs): state for the
// screen, answer/decline/hang up, mute (the audio sender stops sending), hold/resume by
// re-INVITE, DTMF as RFC 4733 events with SIP INFO as the fallback.
import { Invitation, Inviter, Session, SessionState, type InviterInviteOptions } from 'sip.js';
import type { SessionDescriptionHandler, SessionDescriptionHandlerOptions as WebSdhOptions } from 'sip.js/lib/platform/web';
import { errorForMedia, errorForStatus, type CallError, type CallState } from './call-state';

export type Direction = 'out' | 'in';

/** Gets the local media before any SIP is sent, so a denied permission never starts a call. */
export type MediaAcquirer = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

export interface CallListener {
  (call: Call): void;
}

export class Call {
  /** 'incoming' while their INVITE rings here and nobody has answered. */
  state: CallState | 'incoming' = 'calling';
  error: CallError | undefined;
  muted = false;
  held = false;
  /** The other side put us on hold (its last offer was a=sendonly or a=inactive, RFC 3264 §8.4). */
  remoteHeld = false;
  video: boolean;
  answeredAt: number | undefined;
  private savedAudio: MediaStreamTrack | null = null;
  private hangingUp = false;
  private answering = false;
  private readonly listeners: CallListener[] = [];

  constructor(
    readonly session: Session,
    readonly direction: Direction,
    readonly peer: string,
    video: boolean,
    private readonly acquire: MediaAcquirer,
  ) {
    this.video = video;
    if (direction === 'in') this.state = 'incoming';
    session.stateChange.addListener((s) => this.onSessionState(s));
    session.delegate = {
      onInvite: (request) => {
        this.applyMute();
        const held = /^a=(sendonly|inactive)\s*$/m.test(request.body ?? '');
        if (held !== this.remoteHeld) {
          this.remoteHeld = held;
          this.changed();
        }
      },
    };
  }

  onChange(fn: CallListener): void {
    this.listeners.push(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn(this);
  }

  get sdh(): SessionDescriptionHandler | undefined {
    return this.session.sessionDescriptionHandler as SessionDescriptionHandler | undefined;
  }

  get peerConnection(): RTCPeerConnection | undefined {
    return this.sdh?.peerConnection;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  private constraints(): MediaStreamConstraints {
    return { audio: true, video: this.video };
  }

  /** Re-INVITEs keep the call's constraints (else SIP.js would take new, audio-only media). */
  private sdhOptions(hold: boolean): WebSdhOptions {
    return { constraints: this.constraints(), hold };
  }

  /** Ends the call; an error that arrives after SIP.js already terminated the session still shows. */
  private end(error?: CallError): void {
    let changed = false;
    if (error && !this.error) {
      this.error = error;
      changed = true;
    }
    if (this.state !== 'ended') {
      this.state = 'ended';
      changed = true;
    }
    if (changed) this.changed();
  }

  private onSessionState(s: SessionState): void {
    if (s === SessionState.Established) {
      this.state = this.held ? 'held' : 'established';
      this.answeredAt = Date.now();
      this.applyMute();
      this.changed();
    } else if (s === SessionState.Terminated) {
      this.end();
    }
  }

  /** Our call: local media first (media-denied ends it before any INVITE), then INVITE. */
  async start(): Promise<void> {
    const inviter = this.session as Inviter;
    try {
      await this.acquire(this.constraints());
    } catch (err) {
      this.end(errorForMedia(err, this.video));
      void inviter.dispose().catch(() => undefined);
      return;
    }
    // Hung up while the media was being taken: nothing was sent.
    if (this.ended || this.hangingUp) return;
    this.session.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(false);
    const options: InviterInviteOptions = {
      sessionDescriptionHandlerOptions: { constraints: this.constraints() },
      requestDelegate: {
        onProgress: (res) => {
          const code = res.message.statusCode;
          if ((code === 180 || code === 183) && this.state === 'calling') {
            this.state = 'ringing';
            this.changed();
          }
        },
        onReject: (res) => {
          if (!this.hangingUp) this.end(errorForStatus(res.message.statusCode ?? 0, res.message.reasonPhrase ?? ''));
        },
      },
    };
    try {
      await inviter.invite(options);
    } catch (err) {
      if (!this.hangingUp && !this.ended) this.end({ reason: 'failed', text: `Call failed: ${(err as Error).message}` });
    }
  }

  /** Their call: local media first, then 200 OK. */
  async answer(video: boolean): Promise<void> {
    if (this.state !== 'incoming' || this.answering) return;
    this.answering = true;
    const invitation = this.session as Invitation;
    this.video = video;
    try {
      await this.acquire(this.constraints());
    } catch (err) {
      this.error = errorForMedia(err, video);
      // We cannot take it here: 480 Temporarily Unavailable (RFC 3261 §21.4.18).
      await invitation.reject({ statusCode: 480 }).catch(() => undefined);
      this.end();
      return;
    }
    // The caller gave up while the media was being taken.
    if (this.ended) return;
    this.state = 'calling';
    this.changed();
    this.session.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(false);
    try {
      await invitation.accept({ sessionDescriptionHandlerOptions: { constraints: this.constraints() } });
    } catch (err) {
      if (!this.ended) this.end({ reason: 'failed', text: `Cannot answer: ${(err as Error).message}` });
    }
  }

  /** 603 Decline (RFC 3261 §21.6.2): the caller sees "declined". */
  async decline(): Promise<void> {
    if (this.state !== 'incoming') return;
    await (this.session as Invitation).reject({ statusCode: 603 }).catch(() => undefined);
    this.end();
  }

  async hangup(): Promise<void> {
    this.hangingUp = true;
    const s = this.session;
    try {
      if (s.state === SessionState.Established) await s.bye();
      else if (s instanceof Inviter && (s.state === SessionState.Initial || s.state === SessionState.Establishing)) await s.cancel();
      else if (s instanceof Invitation && s.state !== SessionState.Terminated) await s.reject({ statusCode: 603 });
    } catch {
      // already ending
    }
    this.end();
  }

  /** Mute: the audio sender sends nothing (track removed and disabled); unmute puts it back. */
  setMute(mute: boolean): void {
    this.muted = mute;
    this.applyMute();
    this.changed();
  }

  private applyMute(): void {
    const pc = this.peerConnection;
    if (!pc) return;
    // The receiver's track always has a kind, the sender's is null while muted.
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind !== 'audio') continue;
      const sender = t.sender;
      if (this.muted && sender.track) {
        this.savedAudio = sender.track;
        sender.track.enabled = false;
        void sender.replaceTrack(null).catch(() => undefined);
      } else if (!this.muted && !sender.track && this.savedAudio) {
        const track = this.savedAudio;
        this.savedAudio = null;
        track.enabled = true;
        void sender.replaceTrack(track).catch(() => undefined);
      } else if (!this.muted && sender.track) {
        sender.track.enabled = true;
      }
    }
  }

  /** Hold (re-INVITE with a=sendonly) or resume (a=sendrecv), RFC 3264 §8.4. */
  async setHold(hold: boolean): Promise<void> {
    if (this.state !== 'established' && this.state !== 'held') return;
    if (this.held === hold) return;
    this.session.sessionDescriptionHandlerOptionsReInvite = this.sdhOptions(hold);
    await new Promise<void>((resolve) => {
      this.session.invite({
        requestDelegate: {
          onAccept: () => {
            this.held = hold;
            this.state = hold ? 'held' : 'established';
            resolve();
          },
          onReject: () => resolve(),
        },
      }).catch(() => resolve());
    });
    // A new description may have put the audio track back on its sender.
    this.applyMute();
    this.changed();
  }

  /** DTMF: RFC 4733 telephone-events on the audio sender; SIP INFO (application/dtmf-relay) when that is not possible. */
  async sendDtmf(tone: string): Promise<void> {
    if (!/^[0-9A-D#*]$/.test(tone) || this.state !== 'established') return;
    // insertDTMF replaces the tones not yet played (W3C WebRTC §7.2): a key pressed while the
    // previous tone plays is appended to them, so fast typing loses no digit.
    const dtmf = this.peerConnection?.getTransceivers().find((t) => t.receiver.track.kind === 'audio' && t.sender.dtmf)?.sender.dtmf;
    if (dtmf?.canInsertDTMF) {
      try {
        dtmf.insertDTMF(dtmf.toneBuffer + tone, 160, 70);
        return;
      } catch {
        // not possible on this sender: SIP INFO below
      }
    }
    await this.session.info({
      requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${tone}\r\nDuration=160` } },
    }).catch(() => undefined);
  }

  /** Hang up when the page goes away. */
  dispose(): void {
    if (!this.ended) void this.hangup();
  }
}

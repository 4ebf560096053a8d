// The SIP side of the softphone: one SIP.js UserAgent over WSS to sipd (RFC 7118), one
// Registerer, the ICE servers of the current TURN credentials, outgoing and incoming calls.
import { Invitation, Inviter, Registerer, RegistererState, UserAgent, type URI } from 'sip.js';
import { defaultSessionDescriptionHandlerFactory, type SessionDescriptionHandlerFactory } from 'sip.js/lib/platform/web';
import type { SipCredentials, TurnCredentials } from './api';
import { Call } from './call';
import { preferMd5Challenges } from './digest';

export type RegState = 'connecting' | 'registered' | 'unregistered' | 'error';

export interface PhoneOptions {
  wssUrl: string;
  sip: SipCredentials;
  /** The device's instance id (UUID), the same the API knows, for +sip.instance (RFC 5626). */
  instanceId: string;
  /** ?relay=1: only TURN relay candidates. */
  relayOnly: boolean;
  /** Fresh TURN credentials before each call (they expire). */
  turn(): Promise<TurnCredentials | undefined>;
}

export interface PhoneEvents {
  registration(state: RegState, text: string): void;
  incoming(call: Call): void;
}

const RETRY_MS = 5000;

export class Phone {
  private readonly ua: UserAgent;
  private readonly registerer: Registerer;
  private iceServers: RTCIceServer[] = [];
  /** Media taken by a call before its INVITE/200, handed to the next session description handler. */
  private pendingStream: MediaStream | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  current: Call | undefined;

  constructor(private readonly o: PhoneOptions, private readonly events: PhoneEvents) {
    const uri = UserAgent.makeURI(o.sip.aor);
    if (!uri) throw new Error(`bad SIP identity ${o.sip.aor}`);
    this.ua = new UserAgent({
      uri,
      authorizationUsername: o.sip.authUsername,
      authorizationPassword: o.sip.password,
      transportOptions: { server: o.wssUrl, connectionTimeout: 5, keepAliveInterval: 30 },
      instanceId: o.instanceId,
      logLevel: 'warn',
      userAgentString: 'openline-web',
      sessionDescriptionHandlerFactory: this.sdhFactory(),
      delegate: {
        onDisconnect: (err) => {
          if (this.stopped) return;
          this.events.registration('error', `Server unreachable: ${err ? err.message : 'connection closed'}`);
          this.scheduleReconnect();
        },
        onInvite: (invitation) => this.onInvite(invitation),
      },
    });
    // SIP.js answers only an MD5 challenge, and only the first one: put MD5 first (digest.ts).
    const transport = this.ua.transport;
    const deliver = transport.onMessage;
    transport.onMessage = (message: string) => deliver?.(preferMd5Challenges(message));
    this.registerer = new Registerer(this.ua, { expires: 300, regId: 1 });
    this.registerer.stateChange.addListener((s) => {
      if (this.stopped) return;
      if (s === RegistererState.Registered) this.events.registration('registered', `Registered as ${o.sip.aor.replace(/^sip:/, '')}`);
      else if (s === RegistererState.Unregistered) this.events.registration('unregistered', 'Not registered');
    });
  }

  /** The SDH factory: the current ICE servers (never SIP.js's public STUN default) and our media. */
  private sdhFactory(): SessionDescriptionHandlerFactory {
    const inner = defaultSessionDescriptionHandlerFactory(async (constraints) => {
      const s = this.pendingStream;
      this.pendingStream = undefined;
      return s ?? navigator.mediaDevices.getUserMedia(constraints);
    });
    return (session, options) => inner(session, {
      ...options,
      iceGatheringTimeout: 3000,
      peerConnectionConfiguration: {
        iceServers: this.iceServers,
        iceTransportPolicy: this.o.relayOnly ? 'relay' : 'all',
        // Not max-bundle: rtpengine's answers carry no a=group:BUNDLE (components.md).
        bundlePolicy: 'balanced',
        rtcpMuxPolicy: 'require',
      },
    });
  }

  /** Connects and registers; the registration state reports the outcome. */
  async start(): Promise<void> {
    this.events.registration('connecting', `Connecting to ${this.o.wssUrl}`);
    try {
      await this.ua.start();
    } catch (err) {
      this.events.registration('error', `Server unreachable: cannot connect to ${this.o.wssUrl} (${(err as Error).message})`);
      this.scheduleReconnect();
      return;
    }
    await this.register();
  }

  private async register(): Promise<void> {
    this.events.registration('connecting', 'Registering');
    await this.registerer.register({
      requestDelegate: {
        onReject: (res) => {
          const m = res.message;
          this.events.registration('error', `Registration refused: ${m.statusCode} ${m.reasonPhrase}`);
        },
      },
    }).catch((err: Error) => this.events.registration('error', `Registration failed: ${err.message}`));
  }

  private scheduleReconnect(): void {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      this.ua.reconnect().then(() => this.register(), () => this.scheduleReconnect());
    }, RETRY_MS);
  }

  private async refreshIce(): Promise<void> {
    const t = await this.o.turn().catch(() => undefined);
    this.iceServers = t ? [{ urls: t.uris, username: t.username, credential: t.password }] : [];
  }

  /** Media for the next session, taken now so a denied permission is known before any SIP. */
  private async acquire(constraints: MediaStreamConstraints): Promise<MediaStream> {
    this.pendingStream?.getTracks().forEach((t) => t.stop());
    this.pendingStream = await navigator.mediaDevices.getUserMedia(constraints);
    return this.pendingStream;
  }

  targetUri(target: string): URI | undefined {
    return UserAgent.makeURI(target);
  }

  /** An outgoing call; the Call reports its states (and its error) to the screen. */
  async call(target: URI, video: boolean, onCreated: (call: Call) => void): Promise<void> {
    await this.refreshIce();
    const inviter = new Inviter(this.ua, target, { earlyMedia: false });
    const call = new Call(inviter, 'out', target.user ?? target.toString(), video, (c) => this.acquire(c));
    this.track(call);
    onCreated(call);
    await call.start();
  }

  private onInvite(invitation: Invitation): void {
    if (this.current && !this.current.ended) {
      // One call at a time: 486 Busy Here (RFC 3261 §21.4.24).
      void invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    const from = invitation.remoteIdentity;
    const peer = from.displayName ? `${from.displayName} (${from.uri.user ?? ''})` : from.uri.user ?? from.uri.toString();
    const video = /^m=video\s+[1-9]/m.test(invitation.body ?? '');
    const call = new Call(invitation, 'in', peer, video, async (c) => {
      await this.refreshIce();
      return this.acquire(c);
    });
    this.track(call);
    // 180 Ringing (RFC 3261 §13.3.1.1): the caller's screen says "ringing".
    void invitation.progress().catch(() => undefined);
    this.events.incoming(call);
  }

  private track(call: Call): void {
    this.current = call;
    call.onChange((c) => {
      if (c.ended && this.pendingStream) {
        this.pendingStream.getTracks().forEach((t) => t.stop());
        this.pendingStream = undefined;
      }
    });
  }

  /** Unregisters and disconnects (sign-out, page unload). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.current?.dispose();
    await this.registerer.unregister().catch(() => undefined);
    await this.ua.stop().catch(() => undefined);
  }
}

// MediaServer on rtpengine over its ng protocol (UDP, bencode): several instances, each pinged
// periodically (ng `ping` → `pong`); an instance is down after `failuresBeforeDown` failed pings
// or timed-out commands and up again at the next pong. A new call goes to the healthy instance
// holding the fewest endpoints (round robin among equals); if its first offer times out, the
// next healthy instance is tried. Every later command of a call goes to the call's instance.
import { EventEmitter } from 'node:events';
import { Client, type NgResponse, type NgValue } from 'rtpengine-client';
import { flagsFor } from './profiles';
import { dropAudioSsrc, ensureBundle } from './sdp';
import { parseStats } from './stats';
import {
  MediaCommandError, MediaUnavailableError, type AnswerParams, type EndpointStats, type InstanceHealth,
  type MediaEndpoint, type MediaServer, type OfferParams, type PlayOptions,
} from './types';

export interface RtpEngineInstance {
  name?: string;
  host: string;
  port: number;
}

export interface RtpEngineOptions {
  instances: readonly RtpEngineInstance[];
  /** ng command timeout (default 1500 ms). */
  timeoutMs?: number;
  /** Health ping period (default 2000 ms; 0 = no pings, tests). */
  pingIntervalMs?: number;
  /** Failed pings/commands in a row before an instance counts as down (default 2). */
  failuresBeforeDown?: number;
  /** Local address of the ng socket (default 127.0.0.1). */
  localAddress?: string;
  /** Told about command failures and health changes (no throw may escape). */
  onEvent?: (e: MediaServerEvent) => void;
}

export type MediaServerEvent =
  | { type: 'instance-down'; instance: string; error: string }
  | { type: 'instance-up'; instance: string }
  | { type: 'command-failed'; instance: string; command: string; callId: string; error: string };

interface InstanceState extends InstanceHealth {
  host: string;
  port: number;
}

type Obj = Record<string, unknown>;

export class RtpEngineMediaServer extends EventEmitter implements MediaServer {
  private readonly client: Client;
  private readonly instances: InstanceState[];
  private readonly failuresBeforeDown: number;
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;
  private next = 0;
  private closed = false;

  constructor(private readonly opts: RtpEngineOptions) {
    super();
    if (opts.instances.length === 0) throw new Error('rtpengine: no instance configured');
    this.instances = opts.instances.map((i) => ({
      name: i.name ?? `${i.host}:${i.port}`, host: i.host, port: i.port, up: true, endpoints: 0, consecutiveFailures: 0,
    }));
    this.failuresBeforeDown = opts.failuresBeforeDown ?? 2;
    this.client = new Client({ localPort: 0, localAddress: opts.localAddress ?? '127.0.0.1', timeout: opts.timeoutMs ?? 1500 });
    this.client.on('error', (err: Error) => this.notify({ type: 'command-failed', instance: '-', command: '-', callId: '-', error: err.message }));
    this.ready = new Promise((resolve) => this.client.on('listening', () => resolve()));
    const period = opts.pingIntervalMs ?? 2000;
    if (period > 0) {
      this.pingTimer = setInterval(() => void this.pingAll(), period);
      this.pingTimer.unref();
    }
  }

  private notify(e: MediaServerEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // a listener must not break media handling (mediasoup safeEmit)
    }
  }

  health(): InstanceHealth[] {
    return this.instances.map(({ name, up, endpoints, consecutiveFailures, lastError }) => ({
      name, up, endpoints, consecutiveFailures, ...(lastError ? { lastError } : {}),
    }));
  }

  /** Pings every instance once; resolves when all answered or failed. */
  async pingAll(): Promise<void> {
    await Promise.all(this.instances.map(async (i) => {
      try {
        const r = await this.raw(i, 'ping', {});
        if (r.result !== 'pong') throw new Error(`answered ${r.result}`);
        this.succeeded(i);
      } catch (err) {
        this.failed(i, (err as Error).message);
      }
    }));
  }

  private succeeded(i: InstanceState): void {
    i.consecutiveFailures = 0;
    if (!i.up) {
      i.up = true;
      delete i.lastError;
      this.notify({ type: 'instance-up', instance: i.name });
    }
  }

  private failed(i: InstanceState, error: string): void {
    i.consecutiveFailures++;
    i.lastError = error;
    if (i.up && i.consecutiveFailures >= this.failuresBeforeDown) {
      i.up = false;
      this.notify({ type: 'instance-down', instance: i.name, error });
    }
  }

  private async raw(i: InstanceState, command: string, args: Record<string, NgValue>): Promise<NgResponse> {
    if (this.closed) throw new MediaCommandError('media server closed');
    await this.ready;
    const fn = (this.client as unknown as Record<string, (p: number, h: string, o: Record<string, NgValue>) => Promise<NgResponse>>)[command];
    try {
      return await fn.call(this.client, i.port, i.host, args);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new MediaCommandError(`rtpengine ${i.name} ${command}: ${msg}`, /timeout/i.test(msg));
    }
  }

  /** Runs an ng command on an instance; an `error` result or a timeout rejects MediaCommandError. */
  async command(i: InstanceState, command: string, callId: string, args: Record<string, NgValue>): Promise<Obj> {
    try {
      const r = await this.raw(i, command, { 'call-id': callId, ...args });
      if (r.result === 'error') throw new MediaCommandError(`rtpengine ${i.name} ${command}: ${r['error-reason'] ?? 'error'}`);
      this.succeeded(i);
      return r as Obj;
    } catch (err) {
      const e = err as MediaCommandError;
      if (e.timedOut) this.failed(i, e.message);
      this.notify({ type: 'command-failed', instance: i.name, command, callId, error: e.message });
      throw err;
    }
  }

  /** Healthy instances, the least loaded first (round robin among equals). */
  candidates(): InstanceState[] {
    const up = this.instances.filter((i) => i.up);
    const start = this.next++ % Math.max(1, up.length);
    const rotated = [...up.slice(start), ...up.slice(0, start)];
    return rotated.sort((a, b) => a.endpoints - b.endpoints);
  }

  async createEndpoint(id: string): Promise<MediaEndpoint> {
    if (this.closed) throw new MediaUnavailableError('media server closed');
    const c = this.candidates();
    if (c.length === 0) throw new MediaUnavailableError('no rtpengine instance is up');
    return new RtpEngineEndpoint(this, id, c);
  }

  /** Bookkeeping of endpoints per instance (selection by load). */
  attach(i: InstanceState, delta: number): void {
    i.endpoints = Math.max(0, i.endpoints + delta);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    try {
      this.client.close();
    } catch {
      // already closed
    }
  }
}

/** One call on one rtpengine instance. */
class RtpEngineEndpoint implements MediaEndpoint {
  private instanceState: InstanceState;
  private started = false;
  private destroying: Promise<EndpointStats> | undefined;

  constructor(private readonly server: RtpEngineMediaServer, readonly id: string, private readonly candidates: InstanceState[]) {
    this.instanceState = candidates[0];
  }

  get instance(): string {
    return this.instanceState.name;
  }

  get closed(): boolean {
    return this.destroying !== undefined;
  }

  private run(command: string, args: Record<string, NgValue>): Promise<Obj> {
    if (this.destroying) return Promise.reject(new MediaCommandError(`endpoint ${this.id} is deleted`));
    return this.server.command(this.instanceState, command, this.id, args);
  }

  private sdpOf(r: Obj, peerIsWebRtc: boolean): string {
    const sdp = typeof r.sdp === 'string' ? r.sdp : '';
    if (!sdp) throw new MediaCommandError(`rtpengine ${this.instance}: no SDP in answer`);
    return peerIsWebRtc ? ensureBundle(dropAudioSsrc(sdp)) : sdp;
  }

  async offer(p: OfferParams): Promise<string> {
    const args = { ...flagsFor(p.toProfile), 'from-tag': p.from, sdp: p.sdp, ...(p.initial ? { 'via-branch': p.to } : { 'to-tag': p.to }) };
    if (this.started) return this.sdpOf(await this.run('offer', args), p.toProfile.kind === 'webrtc');
    // The call's first command: fail over to the next healthy instance on a timeout.
    let last: unknown;
    for (const i of this.candidates) {
      if (!i.up && i !== this.candidates[0]) continue;
      this.instanceState = i;
      try {
        const r = await this.run('offer', args);
        this.started = true;
        this.server.attach(i, +1);
        return this.sdpOf(r, p.toProfile.kind === 'webrtc');
      } catch (err) {
        last = err;
        if (!(err instanceof MediaCommandError) || !err.timedOut) throw err;
      }
    }
    throw last instanceof Error ? last : new MediaUnavailableError('no rtpengine instance answered');
  }

  async answer(p: AnswerParams): Promise<string> {
    const r = await this.run('answer', { ...flagsFor(p.offererProfile), 'from-tag': p.offerer, 'to-tag': p.answerer, sdp: p.sdp,
      ...(p.initial ? { 'via-branch': p.answerer } : {}),
    });
    return this.sdpOf(r, p.offererProfile.kind === 'webrtc');
  }

  async play(leg: string, file: string, opts: PlayOptions = {}): Promise<void> {
    await this.run('playMedia', { 'from-tag': leg, file, 'repeat-times': opts.repeat ?? 1 });
  }

  async stopPlay(leg: string): Promise<void> {
    await this.run('stopMedia', { 'from-tag': leg });
  }

  async playDtmf(leg: string, digit: string, durationMs = 100): Promise<void> {
    await this.run('playDTMF', { 'from-tag': leg, code: digit, duration: durationMs });
  }

  async block(leg: string): Promise<void> {
    await this.run('blockMedia', { 'from-tag': leg });
  }

  async unblock(leg: string): Promise<void> {
    await this.run('unblockMedia', { 'from-tag': leg });
  }

  async startRecording(): Promise<void> {
    await this.run('startRecording', {});
  }

  async stopRecording(): Promise<void> {
    await this.run('stopRecording', {});
  }

  async stats(): Promise<EndpointStats> {
    return parseStats(await this.run('query', {}));
  }

  async deleteLeg(leg: string): Promise<void> {
    if (!this.started) return;
    await this.run('delete', { 'from-tag': leg, flags: ['fatal'] }).catch(() => undefined);
  }

  destroy(): Promise<EndpointStats> {
    this.destroying ??= (async () => {
      if (!this.started) return { legs: {}, totalPackets: 0 };
      this.server.attach(this.instanceState, -1);
      // rtpengine's delete answer carries stats only when a tag is named, and deleting by tag
      // may leave other branches: query the final numbers, then delete the whole call.
      let stats: EndpointStats = { legs: {}, totalPackets: 0 };
      try {
        stats = parseStats(await this.server.command(this.instanceState, 'query', this.id, {}));
      } catch {
        // keep empty stats: the call ends anyway
      }
      await this.server.command(this.instanceState, 'delete', this.id, {}).catch(() => undefined);
      return stats;
    })();
    return this.destroying;
  }
}


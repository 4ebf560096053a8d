// One signed-in web softphone (apps/web) in its own browser context, driven through the client's
// data-testid contract (docs/web-client-contract.md) and measured with getStats through the
// client's debug hook `window.openlineDebug.peerConnection()`.
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/** What getStats says about the current call's media, summed per kind. */
export interface MediaStats {
  audioBytesIn: number;
  audioBytesOut: number;
  audioPacketsIn: number;
  /** inbound-rtp totalAudioEnergy: grows only while the received audio is not silent. */
  audioEnergyIn: number;
  audioCodecIn: string;
  /** inbound-rtp totalSamplesReceived / concealedSamples: decoded vs. made up by packet-loss concealment. */
  audioSamplesIn: number;
  audioConcealedIn: number;
  videoBytesIn: number;
  videoFramesDecoded: number;
  /** candidateType of both ends of the selected (nominated, succeeded) pair, e.g. host/relay. */
  localCandidateType: string;
  remoteCandidateType: string;
  hasPeerConnection: boolean;
}

/** Page script for `opusOnly` (plain JavaScript: it runs in the page as written). */
const OPUS_ONLY = `(() => {
  const keep = () => RTCRtpReceiver.getCapabilities('audio').codecs.filter((c) => /^audio\\/(opus|telephone-event)$/i.test(c.mimeType));
  const prefer = (pc) => {
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind === 'audio' && t.direction !== 'stopped') t.setCodecPreferences(keep());
    }
  };
  const offer = RTCPeerConnection.prototype.createOffer;
  const answer = RTCPeerConnection.prototype.createAnswer;
  RTCPeerConnection.prototype.createOffer = function (...args) { prefer(this); return offer.apply(this, args); };
  RTCPeerConnection.prototype.createAnswer = function (...args) { prefer(this); return answer.apply(this, args); };
})();`;

export class Softphone {
  readonly consoleLines: string[] = [];
  readonly websockets: string[] = [];
  /** First lines of the SIP messages on the page's WebSockets (`<` in, `>` out), the newest 100. */
  readonly sipLines: string[] = [];

  private constructor(readonly name: string, readonly context: BrowserContext, readonly page: Page) {
    page.on('console', (m) => { this.consoleLines.push(`${m.type()}: ${m.text()}`); if (this.consoleLines.length > 200) this.consoleLines.shift(); });
    page.on('pageerror', (e) => this.consoleLines.push(`pageerror: ${e.message}`));
    page.on('websocket', (ws) => {
      this.websockets.push(ws.url());
      const note = (dir: string, payload: string | Buffer): void => {
        const first = payload.toString().split('\r\n', 1)[0] ?? '';
        if (first.trim()) this.sipLines.push(`${dir} ${first}`);
        if (this.sipLines.length > 100) this.sipLines.shift();
      };
      ws.on('framereceived', (f) => note('<', f.payload));
      ws.on('framesent', (f) => note('>', f.payload));
    });
  }

  /**
   * A page; `opusOnly` makes its peer connections offer and answer only opus (+ telephone-event)
   * for audio, like a client without G.711: a call to a G.711-only phone then needs rtpengine to
   * transcode (set with setCodecPreferences before every createOffer/createAnswer).
   * `grantMedia: false` leaves the microphone/camera permissions to the browser's flags.
   */
  static async open(browser: Browser, name: string, url: string, opts: { opusOnly?: boolean; grantMedia?: boolean } = {}): Promise<Softphone> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 420, height: 820 } });
    if (opts.grantMedia !== false) await context.grantPermissions(['microphone', 'camera']);
    // tsx (esbuild keepNames) wraps named functions in __name(); page.evaluate sends their source
    // to the page, where that helper must exist.
    await context.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
    if (opts.opusOnly) await context.addInitScript(OPUS_ONLY);
    const page = await context.newPage();
    const phone = new Softphone(name, context, page);
    await page.goto(url);
    return phone;
  }

  el(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  async signIn(user: string, password: string): Promise<void> {
    await this.el('signin-user').fill(user);
    await this.el('signin-password').fill(password);
    await this.el('signin-submit').click();
  }

  /** Signs in and waits for the SIP registration over WSS. */
  async signInRegistered(user: string, password: string): Promise<void> {
    await this.signIn(user, password);
    await this.waitAttr('reg-status', 'data-state', 'registered', 30_000);
    await this.el('idle').waitFor({ state: 'visible', timeout: 10_000 });
  }

  /** Waits until the element's attribute has the value (fails naming what it saw instead). */
  async waitAttr(testId: string, attr: string, value: string, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let seen: string | null = null;
    for (;;) {
      const loc = this.el(testId);
      seen = (await loc.count()) > 0 ? await loc.first().getAttribute(attr) : '(absent)';
      if (seen === value) return;
      if (Date.now() > end) {
        throw new Error(`${this.name}: ${testId}[${attr}] is ${JSON.stringify(seen)}, not ${JSON.stringify(value)} after ${timeoutMs} ms; `
          + `error: ${await this.errorText()}; console:\n${this.consoleLines.slice(-15).join('\n')}\nSIP:\n${this.sipLines.slice(-12).join('\n')}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  async callState(): Promise<string | null> {
    const loc = this.el('call-screen');
    return (await loc.count()) > 0 ? loc.first().getAttribute('data-state') : null;
  }

  async errorText(): Promise<string> {
    const loc = this.el('call-error');
    if ((await loc.count()) === 0) return '(no call-error)';
    return `${await loc.first().getAttribute('data-reason')}: ${await loc.first().innerText()}`;
  }

  async dial(target: string, video = false): Promise<void> {
    await this.el('dial-input').fill(target);
    await this.el(video ? 'dial-video' : 'dial-audio').click();
  }

  /** Waits for the incoming-call panel and answers it. */
  async answer(video = false, timeoutMs = 20_000): Promise<void> {
    await this.el('incoming').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.el(video ? 'answer-video' : 'answer').click();
  }

  async established(timeoutMs = 30_000): Promise<void> {
    await this.waitAttr('call-screen', 'data-state', 'established', timeoutMs);
  }

  async idle(timeoutMs = 20_000): Promise<void> {
    await this.el('idle').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  async pressed(testId: string): Promise<string | null> {
    return this.el(testId).getAttribute('aria-pressed');
  }

  async stats(): Promise<MediaStats> {
    return this.page.evaluate(async () => {
      // Only what is used of RTCPeerConnection (the test tsconfig has no DOM lib).
      interface StatsReport { forEach(fn: (v: Record<string, unknown>) => void): void }
      interface Debug { peerConnection(): { getStats(): Promise<StatsReport> } | undefined }
      const s = {
        audioBytesIn: 0, audioBytesOut: 0, audioPacketsIn: 0, audioEnergyIn: 0, audioCodecIn: '', audioSamplesIn: 0, audioConcealedIn: 0, videoBytesIn: 0, videoFramesDecoded: 0,
        localCandidateType: '', remoteCandidateType: '', hasPeerConnection: false,
      };
      const pc = (globalThis as unknown as { openlineDebug?: Debug }).openlineDebug?.peerConnection();
      if (!pc) return s;
      s.hasPeerConnection = true;
      const report = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      report.forEach((v: Record<string, unknown>) => byId.set(String(v.id), v));
      const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
      let selectedPair: Record<string, unknown> | undefined;
      for (const r of byId.values()) {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          s.audioBytesIn += num(r.bytesReceived);
          s.audioPacketsIn += num(r.packetsReceived);
          s.audioEnergyIn += num(r.totalAudioEnergy);
          s.audioSamplesIn += num(r.totalSamplesReceived);
          s.audioConcealedIn += num(r.concealedSamples);
          const codec = byId.get(String(r.codecId));
          if (codec) s.audioCodecIn = String(codec.mimeType);
        }
        if (r.type === 'outbound-rtp' && r.kind === 'audio') s.audioBytesOut += num(r.bytesSent);
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          s.videoBytesIn += num(r.bytesReceived);
          s.videoFramesDecoded += num(r.framesDecoded);
        }
        if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') selectedPair = byId.get(r.selectedCandidatePairId);
      }
      if (!selectedPair) {
        for (const r of byId.values()) if (r.type === 'candidate-pair' && r.state === 'succeeded' && r.nominated === true) selectedPair = r;
      }
      if (selectedPair) {
        s.localCandidateType = String(byId.get(String(selectedPair.localCandidateId))?.candidateType ?? '');
        s.remoteCandidateType = String(byId.get(String(selectedPair.remoteCandidateId))?.candidateType ?? '');
      }
      return s;
    });
  }

  /**
   * Loudness of what the call's audio receiver plays, measured in the page with Web Audio (an
   * AnalyserNode on the receiver's track): the highest RMS of 50 ms frames over `ms`.
   */
  async remoteAudioRms(ms: number): Promise<number> {
    return this.page.evaluate(async (duration: number) => {
      interface Track { kind: string }
      interface Pc { getReceivers(): Array<{ track: Track }> }
      interface Analyser { fftSize: number; getFloatTimeDomainData(a: Float32Array): void }
      interface AudioCtx { createMediaStreamSource(s: unknown): { connect(n: unknown): void }; createAnalyser(): Analyser; resume(): Promise<void>; close(): Promise<void> }
      const g = globalThis as unknown as {
        openlineDebug?: { peerConnection(): Pc | undefined };
        AudioContext: new () => AudioCtx;
        MediaStream: new (tracks: Track[]) => unknown;
      };
      const track = g.openlineDebug?.peerConnection()?.getReceivers().find((r) => r.track.kind === 'audio')?.track;
      if (!track) return -1;
      const ctx = new g.AudioContext();
      await ctx.resume();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      ctx.createMediaStreamSource(new g.MediaStream([track])).connect(analyser);
      const buf = new Float32Array(2048);
      let max = 0;
      const end = Date.now() + duration;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        max = Math.max(max, Math.sqrt(sum / buf.length));
      }
      await ctx.close();
      return max;
    }, ms);
  }

  /** Stats at the start and end of a window of `ms` (media counters are cumulative). */
  async statsOver(ms: number): Promise<{ before: MediaStats; after: MediaStats }> {
    const before = await this.stats();
    await this.page.waitForTimeout(ms);
    return { before, after: await this.stats() };
  }

  async screenshot(file: string): Promise<void> {
    await this.page.screenshot({ path: file, fullPage: true });
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

/** Growth of a counter over a window. */
export function growth(w: { before: MediaStats; after: MediaStats }, key: keyof MediaStats): number {
  return Number(w.after[key]) - Number(w.before[key]);
}

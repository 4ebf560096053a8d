// Branch offers made while a pushed device sleeps (RFC 8599 §5 calls): when the device registers,
// its branch starts without an rtpengine round trip on the REGISTER → INVITE path (bench/RESULTS.md,
// "Push calls"). The profile is the one the device most likely registers with — a push-capable app
// over SIP, a browser for webpush; a device that registers with another profile gets a fresh
// offer, and an unused offer goes with the call's media at teardown.
import type { LegProfile } from '@openline/media';

type DeviceProfile = LegProfile & { kind: 'sip' | 'webrtc' };

export class PreOffers {
  private readonly byInstance = new Map<string, { legId: string; profile: DeviceProfile; sdp: Promise<string> }>();

  /** `offer(legId, profile)` is the session's rtpengine offer; `nextLegId` its leg naming. */
  constructor(private readonly offer: (legId: string, profile: DeviceProfile) => Promise<string>, private readonly nextLegId: () => string) {}

  /** Starts one offer per sleeping device. */
  start(devices: ReadonlyArray<{ instance: string; provider: string }>): void {
    for (const d of devices) {
      const profile: DeviceProfile = { kind: d.provider === 'webpush' ? 'webrtc' : 'sip' };
      const legId = this.nextLegId();
      const sdp = this.offer(legId, profile);
      sdp.catch(() => undefined);
      this.byInstance.set(d.instance, { legId, profile, sdp });
    }
  }

  /** The reserved leg of a woken device registering with `profile`, if its offer fits. */
  legFor(instance: string | undefined, profile: DeviceProfile): string | undefined {
    const p = instance !== undefined ? this.byInstance.get(instance) : undefined;
    return p?.profile.kind === profile.kind ? p.legId : undefined;
  }

  /** The offer made for this leg (taken once), or undefined; a failed one is made again. */
  take(instance: string | undefined, legId: string): Promise<string> | undefined {
    const p = instance !== undefined ? this.byInstance.get(instance) : undefined;
    if (!p || instance === undefined || p.legId !== legId) return undefined;
    this.byInstance.delete(instance);
    return p.sdp.catch(() => this.offer(legId, p.profile));
  }
}

// rtpengine's `delete`/`query` answer → per-leg statistics. The answer lists every tag (our leg
// names) with its media streams (packets received from that leg's endpoint) and which tags it
// subscribes to (receives media from); RTCP-derived quality (jitter, loss, MOS ×10) is under
// SSRC, keyed by SSRC, and each stream names the SSRCs it carried ("ingress SSRCs").
import type { EndpointStats, LegStats } from './types';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function n(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

interface Quality {
  mos: number | null;
  jitterMs: number | null;
  lost: number | null;
}

/** RTCP quality of one SSRC: 'average MOS' block (MOS ×10 in rtpengine's answers). */
function quality(ssrcTable: Obj | undefined, ssrc: string): Quality | undefined {
  const e = obj(ssrcTable?.[ssrc]);
  const avg = obj(e?.['average MOS']);
  if (!avg) return undefined;
  const mosRaw = n(avg.MOS);
  return {
    mos: mosRaw === undefined || mosRaw <= 0 ? null : mosRaw > 5 ? mosRaw / 10 : mosRaw,
    jitterMs: n(avg.jitter) ?? null,
    lost: n(avg['packet loss']) ?? null,
  };
}

function ssrcsOf(stream: Obj): string[] {
  const out: string[] = [];
  for (const key of ['ingress SSRCs', 'SSRC']) {
    for (const s of arr(stream[key])) {
      const o = obj(s);
      const v = o ? o.SSRC ?? o.ssrc : s;
      if (typeof v === 'number' || typeof v === 'string') out.push(String(v));
    }
  }
  return out;
}

export function emptyLeg(): LegStats {
  return { packetsIn: null, bytesIn: null, packetsOut: null, bytesOut: null, packetsLost: null, jitterMs: null, mos: null };
}

export function parseStats(answer: Obj): EndpointStats {
  const tags = obj(answer.tags) ?? {};
  const ssrcTable = obj(answer.SSRC);
  const legs: Record<string, LegStats> = {};
  const subscriptions: Record<string, string[]> = {};
  for (const [tag, v] of Object.entries(tags)) {
    const t = obj(v) ?? {};
    const leg = emptyLeg();
    let packets = 0;
    let bytes = 0;
    let sawRtp = false;
    const q: Quality[] = [];
    for (const m of arr(t.medias)) {
      for (const s of arr(obj(m)?.streams)) {
        const st = obj(s) ?? {};
        if (!arr(st.flags).includes('RTP')) continue;
        sawRtp = true;
        const stats = obj(st.stats);
        packets += n(stats?.packets) ?? 0;
        bytes += n(stats?.bytes) ?? 0;
        for (const ssrc of ssrcsOf(st)) {
          const qq = quality(ssrcTable, ssrc);
          if (qq) q.push(qq);
        }
      }
    }
    if (sawRtp) {
      leg.packetsIn = packets;
      leg.bytesIn = bytes;
    }
    const best = q.find((x) => x.mos !== null) ?? q[0];
    if (best) {
      leg.mos = best.mos;
      leg.jitterMs = best.jitterMs;
      leg.packetsLost = best.lost;
    }
    legs[tag] = leg;
    subscriptions[tag] = arr(t.subscriptions).map((x) => String(obj(x)?.tag ?? '')).filter(Boolean);
  }
  // What a leg was sent = what the legs it subscribes to delivered to us.
  for (const [tag, from] of Object.entries(subscriptions)) {
    const srcs = from.map((f) => legs[f]).filter((l): l is LegStats => l !== undefined && l.packetsIn !== null);
    if (srcs.length > 0) {
      legs[tag].packetsOut = srcs.reduce((s, l) => s + (l.packetsIn ?? 0), 0);
      legs[tag].bytesOut = srcs.reduce((s, l) => s + (l.bytesIn ?? 0), 0);
    }
  }
  const totals = obj(obj(answer.totals)?.RTP);
  return { legs, totalPackets: n(totals?.packets) ?? Object.values(legs).reduce((s, l) => s + (l.packetsIn ?? 0), 0) };
}

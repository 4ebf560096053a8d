// One CDR per call attempt (packages/cdr's CdrRecord), filled in as the CallSession learns things
// and built once at teardown. Durations follow the record's definitions: setup = start → first
// 18x (or → answer/end), ring = first 18x → answer/end, talk = answer → end.
import { randomUUID } from 'node:crypto';
import type {
  CdrDirection, CdrDisposition, CdrHangupCause, CdrHangupSide, CdrMediaStats, CdrParty, CdrRecord, CdrTransferKind,
} from '@openline/cdr';
import type { EndpointStats, LegStats } from '@openline/media';
import type { AccountRow, TrunkRow } from './directory';

export function emptyParty(): CdrParty {
  return { accountId: null, username: null, number: null, device: null, displayName: null };
}

export function accountParty(a: AccountRow, device: string | null = null, displayName: string | null = null): CdrParty {
  return { accountId: a.id, username: a.username, number: a.phone, device, displayName: displayName ?? a.displayName };
}

export function numberParty(number: string | null, displayName: string | null = null): CdrParty {
  return { accountId: null, username: null, number, device: null, displayName };
}

/** Display name of a From/To name-addr (`"Alice" <sip:…>`); null when none. */
export function displayNameOf(nameAddr: string | undefined): string | null {
  const m = /^\s*"((?:[^"\\]|\\.)*)"\s*</.exec(nameAddr ?? '') ?? /^\s*([^<"]+?)\s*</.exec(nameAddr ?? '');
  return m && m[1].trim() ? m[1].trim() : null;
}

/** A status's disposition when there was no answer (RFC 3261 §21: 486/600 busy, 487 cancelled). */
export function dispositionOf(status: number, noAnswer: boolean): CdrDisposition {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 486 || status === 600) return 'busy';
  if (status === 487) return 'cancelled';
  if (noAnswer || status === 408) return 'no-answer';
  return 'failed';
}

function mediaOf(s: LegStats | undefined): CdrMediaStats | null {
  if (!s) return null;
  return { packetsIn: s.packetsIn, packetsOut: s.packetsOut, bytesIn: s.bytesIn, bytesOut: s.bytesOut, packetsLost: s.packetsLost, jitterMs: s.jitterMs, mos: s.mos };
}

export class CdrBuilder {
  readonly id = randomUUID();
  caller: CdrParty = emptyParty();
  callee: CdrParty = emptyParty();
  direction: CdrDirection = 'onnet';
  trunk: TrunkRow | null = null;
  bLegCallId: string | null = null;
  ringingAt: number | null = null;
  answeredAt: number | null = null;
  codecA: string | null = null;
  codecB: string | null = null;
  transferredFrom: string | null = null;
  transferredTo: string | null = null;
  transferKind: CdrTransferKind | null = null;

  constructor(readonly sessionId: string, readonly aLegCallId: string, readonly startedAt: number,
    private readonly nodeId: () => string, private readonly tags: Record<string, string> = {}) {}

  ringing(at = Date.now()): void {
    this.ringingAt ??= at;
  }

  answered(at = Date.now()): void {
    this.answeredAt ??= at;
  }

  build(end: {
    at: number; status: number; phrase: string; side: CdrHangupSide; cause: CdrHangupCause | null; noAnswer?: boolean;
    stats?: EndpointStats; legs?: { a: string; b: string | null };
  }): CdrRecord {
    const start = this.startedAt;
    const endAt = Math.max(end.at, start);
    const answer = this.answeredAt;
    const ring = this.ringingAt;
    const legs = end.legs ?? { a: 'a', b: null };
    return {
      id: this.id,
      callId: this.sessionId,
      aLegCallId: this.aLegCallId,
      bLegCallId: this.bLegCallId,
      caller: this.caller,
      callee: this.callee,
      direction: this.direction,
      trunkId: this.trunk?.id ?? null,
      trunkName: this.trunk?.name ?? null,
      startTime: new Date(start),
      ringingTime: ring === null ? null : new Date(ring),
      answerTime: answer === null ? null : new Date(answer),
      endTime: new Date(endAt),
      setupMs: Math.max(0, (ring ?? answer ?? endAt) - start),
      ringMs: ring === null ? 0 : Math.max(0, (answer ?? endAt) - ring),
      talkMs: answer === null ? 0 : Math.max(0, endAt - answer),
      disposition: answer !== null ? 'answered' : dispositionOf(end.status, end.noAnswer ?? false),
      sipStatus: answer !== null ? 200 : end.status,
      sipReason: answer !== null ? 'OK' : end.phrase,
      hangupCause: end.cause,
      hangupSide: end.side,
      codecs: { aLeg: this.codecA, bLeg: this.codecB },
      media: { aLeg: mediaOf(end.stats?.legs[legs.a]), bLeg: legs.b === null ? null : mediaOf(end.stats?.legs[legs.b]) },
      transferredFrom: this.transferredFrom,
      transferredTo: this.transferredTo,
      transferKind: this.transferredFrom !== null || this.transferredTo !== null ? this.transferKind : null,
      nodeId: this.nodeId(),
      tags: { ...this.tags },
    };
  }
}

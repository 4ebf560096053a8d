// RFC 3262 on the UAS side: a 1xx to INVITE that the app sends with `Require: 100rel` gets an
// RSeq and is retransmitted until the matching PRACK arrives (§3). drachtio-server does this in
// the stack (sofia nta_reliable); srf only marks the 1xx and is told of the PRACK (srf
// drachtio-agent.js pendingAckOrPrack). One reliable 1xx is outstanding at a time: later ones,
// and a 2xx that must not overtake a reliable 1xx carrying SDP, wait here for the PRACK.
import { randomInt } from 'node:crypto';
import type { SipMessage, SipRequest } from '../parser';

interface Pending {
  rseq: number;
  cseq: number;
  /** The 1xx carried a session description: a 2xx must wait for its PRACK (§3). */
  hasSdp: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** True when a message lists `100rel` in this header (option tags are case-insensitive, §19.2). */
export function lists100rel(msg: SipMessage, header: 'require' | 'supported'): boolean {
  return msg.getAll(header).some((v) => v.split(',').some((t) => t.trim().toLowerCase() === '100rel'));
}

/** §3: the peer may get a reliable 1xx only if its INVITE said Supported or Require 100rel. */
export function peerAccepts100rel(invite: SipRequest): boolean {
  return lists100rel(invite, 'supported') || lists100rel(invite, 'require');
}

interface Waiting {
  /** 'reliable': a reliable 1xx (waits for no unacknowledged one); 'final': a 2xx (waits for no SDP-bearing one). */
  kind: 'reliable' | 'final';
  send: () => void;
}

export class ReliableProvisionals {
  /** Last RSeq used per dialog (§3: random start, +1 per reliable 1xx of that dialog). */
  private readonly lastRSeq = new Map<string, number>();
  /** The unacknowledged reliable 1xx per dialog (§3: one at a time). */
  private readonly pending = new Map<string, Pending>();
  /** Sends waiting for a PRACK: further reliable 1xx, or a 2xx held back (§3), in order. */
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(private readonly T1: number) {}

  nextRSeq(dialogId: string): number {
    const next = (this.lastRSeq.get(dialogId) ?? randomInt(1, 2 ** 31 - 1)) + 1;
    this.lastRSeq.set(dialogId, next);
    return next;
  }

  /** §3: "The UAS MUST NOT send a second reliable provisional response until the first is acknowledged." */
  busy(dialogId: string): boolean {
    return this.pending.has(dialogId);
  }

  /** §3: a 2xx may not overtake an unacknowledged reliable 1xx that carried a session description. */
  holdsFinal(dialogId: string): boolean {
    return this.pending.get(dialogId)?.hasSdp === true;
  }

  /**
   * Runs `send` once it may go: a reliable 1xx when no reliable 1xx is unacknowledged, a 2xx when
   * none that carried SDP is (or when the pending one timed out); in the order queued.
   */
  afterAcknowledged(dialogId: string, kind: Waiting['kind'], send: () => void): void {
    const q = this.waiting.get(dialogId) ?? [];
    q.push({ kind, send });
    this.waiting.set(dialogId, q);
  }

  /**
   * Retransmits at T1, 2*T1, 4*T1 … (§3: doubling, no T2 cap) until acknowledged; after 64*T1
   * without PRACK `onTimeout` runs (the UAS SHOULD then reject the INVITE with a 5xx).
   */
  start(dialogId: string, rseq: number, cseq: number, hasSdp: boolean, resend: () => void, onTimeout: () => void): void {
    this.stopRetransmitting(dialogId);
    const p: Pending = { rseq, cseq, hasSdp, timer: undefined };
    const deadline = Date.now() + 64 * this.T1;
    let interval = this.T1;
    const fire = (): void => {
      if (Date.now() >= deadline) {
        this.pending.delete(dialogId);
        onTimeout();
        this.drain(dialogId);
        return;
      }
      resend();
      interval *= 2;
      p.timer = setTimeout(fire, Math.max(0, Math.min(interval, deadline - Date.now())));
    };
    p.timer = setTimeout(fire, interval);
    this.pending.set(dialogId, p);
  }

  /** §7.2 RAck = response-num CSeq-num Method; true when it acknowledges the pending 1xx. */
  acknowledge(dialogId: string, rack: string): boolean {
    const p = this.pending.get(dialogId);
    const m = /^\s*(\d+)\s+(\d+)\s+INVITE\s*$/i.exec(rack);
    if (!p || !m || Number(m[1]) !== p.rseq || Number(m[2]) !== p.cseq) return false;
    this.stopRetransmitting(dialogId);
    this.drain(dialogId);
    return true;
  }

  /** The INVITE got a final response, or the dialog ended: no more retransmissions or queued sends. */
  stop(dialogId: string): void {
    this.stopRetransmitting(dialogId);
    this.waiting.delete(dialogId);
  }

  forget(dialogId: string): void {
    this.stop(dialogId);
    this.lastRSeq.delete(dialogId);
  }

  /** Live entries (leak checks). */
  get size(): number {
    return this.pending.size + this.waiting.size + this.lastRSeq.size;
  }

  close(): void {
    for (const p of this.pending.values()) if (p.timer) clearTimeout(p.timer);
    this.pending.clear();
    this.waiting.clear();
    this.lastRSeq.clear();
  }

  private stopRetransmitting(dialogId: string): void {
    const p = this.pending.get(dialogId);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(dialogId);
  }

  /** Queued sends run in order while the head may go (a reliable 1xx it sends blocks the rest). */
  private drain(dialogId: string): void {
    const q = this.waiting.get(dialogId);
    while (q && q.length > 0) {
      const head = q[0]!;
      if (head.kind === 'reliable' ? this.busy(dialogId) : this.holdsFinal(dialogId)) break;
      q.shift();
      head.send();
    }
    if (q && q.length === 0 && this.waiting.get(dialogId) === q) this.waiting.delete(dialogId);
  }
}

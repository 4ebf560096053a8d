// RFC 3262 on the UAS side: a 1xx to INVITE that the app sends with `Require: 100rel` gets an
// RSeq and is retransmitted until the matching PRACK arrives (§3). drachtio-server does this in
// the stack (sofia nta_reliable): srf only marks the 1xx and waits to be told of the PRACK
// (srf drachtio-agent.js pendingAckOrPrack), and never answers the PRACK itself.
import { randomInt } from 'node:crypto';
import type { SipMessage, SipRequest } from '../parser';

interface Pending {
  rseq: number;
  cseq: number;
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

export class ReliableProvisionals {
  /** Last RSeq used per dialog (§3: random start, +1 per reliable 1xx of that dialog). */
  private readonly lastRSeq = new Map<string, number>();
  /** The unacknowledged reliable 1xx per dialog (§3 allows one at a time). */
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly T1: number) {}

  nextRSeq(dialogId: string): number {
    const next = (this.lastRSeq.get(dialogId) ?? randomInt(1, 2 ** 31 - 1)) + 1;
    this.lastRSeq.set(dialogId, next);
    return next;
  }

  /**
   * Retransmits at T1, 2*T1, 4*T1 … (§3: doubling, no T2 cap) until acknowledged; after 64*T1
   * without PRACK `onTimeout` runs (the UAS SHOULD then reject the INVITE with a 5xx).
   */
  start(dialogId: string, rseq: number, cseq: number, resend: () => void, onTimeout: () => void): void {
    this.stop(dialogId);
    const p: Pending = { rseq, cseq, timer: undefined };
    const deadline = Date.now() + 64 * this.T1;
    let interval = this.T1;
    const fire = (): void => {
      if (Date.now() >= deadline) {
        this.pending.delete(dialogId);
        onTimeout();
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
    this.stop(dialogId);
    return true;
  }

  /** The INVITE got its final response, or the dialog ended: no more retransmissions. */
  stop(dialogId: string): void {
    const p = this.pending.get(dialogId);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(dialogId);
  }

  forget(dialogId: string): void {
    this.stop(dialogId);
    this.lastRSeq.delete(dialogId);
  }

  close(): void {
    for (const p of this.pending.values()) if (p.timer) clearTimeout(p.timer);
    this.pending.clear();
    this.lastRSeq.clear();
  }
}

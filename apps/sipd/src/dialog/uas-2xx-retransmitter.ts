// RFC 3261 §13.3.1.4: the UAS core retransmits a 2xx to INVITE (over unreliable transports) at
// T1, 2*T1, ... capped at T2, until the ACK arrives; with no ACK after 64*T1 the dialog is
// confirmed but the session SHOULD be terminated (sipd sends BYE and tells the app).

export interface RetransmitTimers {
  T1: number;
  T2: number;
}

export class Uas2xxRetransmitter {
  private timerG: NodeJS.Timeout | undefined;
  private timerH: NodeJS.Timeout | undefined;
  private interval: number;
  private done = false;

  constructor(
    private readonly timers: RetransmitTimers,
    /** False for reliable transports: no retransmission, only the ACK timeout. */
    retransmit: boolean,
    private readonly resend: () => void,
    private readonly onAckTimeout: () => void,
  ) {
    this.interval = timers.T1;
    if (retransmit) this.timerG = setTimeout(this.fireG, this.interval);
    this.timerH = setTimeout(this.fireH, 64 * timers.T1);
  }

  private readonly fireG = (): void => {
    if (this.done) return;
    this.resend();
    this.interval = Math.min(this.interval * 2, this.timers.T2);
    this.timerG = setTimeout(this.fireG, this.interval);
  };

  private readonly fireH = (): void => {
    if (this.done) return;
    this.dispose();
    this.onAckTimeout();
  };

  /** The ACK arrived (or the dialog ended): stop everything. */
  dispose(): void {
    this.done = true;
    if (this.timerG) clearTimeout(this.timerG);
    if (this.timerH) clearTimeout(this.timerH);
    this.timerG = undefined;
    this.timerH = undefined;
  }
}

// Devices that are asleep (registered push parameters, RFC 8599, but no live flow) are handed by
// the B2BUA to the push-call server (apps/push) through this interface. A woken device that
// registers again can be added to the running fork with `ring` while the call still rings.
import type { ReachableDevice } from '@openline/location';

export interface AsleepDevice {
  instance: string;
  provider: string;
  prid: string;
  param?: string;
}

export interface PushCallInfo {
  /** The B2BUA's call (CallSession) id, also the CDR's callId. */
  sessionId: string;
  /** SIP Call-ID of the caller's INVITE. */
  callId: string;
  callee: { accountId: number; aor: string };
  caller: { accountId: number | null; number: string | null; displayName: string | null; uri: string };
  devices: AsleepDevice[];
}

export type PushCallOutcome = 'answered' | 'answered-elsewhere' | 'cancelled' | 'no-answer' | 'failed';

export interface PushCallHandle {
  /** The call ended (or was answered): tell the devices (missed call, stop ringing). */
  end(outcome: PushCallOutcome): void;
}

export interface PushCallGateway {
  /** False: asleep devices cannot be reached (the call does not wait for them). */
  readonly canWake: boolean;
  /**
   * Called for every call to an account's devices while canWake (`devices` may be empty: the
   * handle's end() still sends the missed-call alerts). Wake the devices; `ring` adds a device that came online to the call's fork. `waitOver` is
   * called once when no more woken device can join (the wait ran out, or every pushed device
   * has rung or has a dead token): the call then ends like any fork (480 when nothing rings).
   */
  incomingCall(call: PushCallInfo, ring: (device: ReachableDevice) => void, waitOver?: () => void): PushCallHandle;
}

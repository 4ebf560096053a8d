// The push-call gateway the B2BUA hands sleeping devices to (interface in @openline/push, the
// push-call server in apps/push implements it); the no-op default wakes nobody.
import type { PushCallGateway, PushCallHandle } from '@openline/push';

export type { AsleepDevice, PushCallGateway, PushCallHandle, PushCallInfo, PushCallOutcome } from '@openline/push';

/** Without push configured: nobody is woken (a callee with only sleeping devices gets 480). */
export class NoopPushGateway implements PushCallGateway {
  readonly canWake = false;
  incomingCall(): PushCallHandle {
    return { end: () => undefined };
  }
}

// The hand-off to the product's push service (APNs/FCM): PushSenderDispatcher (sender-dispatcher.ts)
// over @openline/push when push.apns or push.fcm is enabled, else RecordingPushDispatcher.

export interface PushAlert {
  accountId: number;
  /** pn-provider style name: apns, fcm, ... */
  provider: string;
  /** Device token. */
  token: string;
  /** Alert title: the sender's display name (and the group's name). */
  title: string;
  /** The message preview, or a neutral text when the user turned previews off. */
  body: string;
  /** Bare JID of the conversation (peer or room), for the app to open. */
  conversation: string;
  /** The user was mentioned (XEP-0372 / "@name"): delivered even when the conversation is muted. */
  mention: boolean;
  /** Unread messages the server counted (XEP-0357 summary), when given. */
  messageCount?: number;
}

export interface PushDispatcher {
  /** Resolves when the push service accepted the alert; rejects with the reason otherwise. */
  send(alert: PushAlert): Promise<void>;
}

/** Keeps every alert in memory (tests, and the default when no push provider is enabled). */
export class RecordingPushDispatcher implements PushDispatcher {
  readonly sent: PushAlert[] = [];

  async send(alert: PushAlert): Promise<void> {
    this.sent.push(alert);
    if (this.sent.length > 10000) this.sent.splice(0, 5000);
  }
}

// Notifications to an account ("contact joined", circle invitations). Delivery by chat system
// message or push belongs to those services; they plug in as another NotificationSink. The
// database sink keeps every notification for GET /v1/me/notifications.
import type { NotificationsRepo } from '../repos/notifications';

export type NotificationKind = 'contact_joined' | 'circle_invitation' | 'circle_response';

export interface Notification {
  accountId: number;
  kind: NotificationKind;
  payload: Record<string, unknown>;
}

export interface NotificationSink {
  notify(n: Notification): Promise<void>;
}

export class DbNotificationSink implements NotificationSink {
  constructor(private readonly repo: NotificationsRepo) {}
  async notify(n: Notification): Promise<void> {
    await this.repo.add(n.accountId, n.kind, n.payload);
  }
}

/** Every sink in turn (DB first, so a failing deliverer never loses the stored row). */
export class FanoutSink implements NotificationSink {
  constructor(private readonly sinks: readonly NotificationSink[]) {}
  async notify(n: Notification): Promise<void> {
    for (const s of this.sinks) await s.notify(n);
  }
}

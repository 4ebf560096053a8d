// Chat alerts through the product's push dispatcher (@openline/push): each alert becomes a
// 'message' push to the device's token, one notification per conversation (collapse id), the
// unread count as badge. A dead token (APNs 410 / FCM UNREGISTERED) is removed from the chat's
// push nodes and from the devices table, so the next publish for that node is refused and
// ejabberd's mod_push disables it (XEP-0357 §7.2).
import type { Pool } from 'mariadb';
import { DevicePushBindings, PushRequest, PushSender } from '@openline/push';
import type { PushAlert, PushDispatcher } from './dispatcher';

/** The push request for a chat alert (exported for tests). */
export function chatPushRequest(alert: PushAlert): PushRequest {
  const req: PushRequest = {
    target: { provider: alert.provider, prid: alert.token, accountId: alert.accountId },
    kind: 'message',
    alert: { title: alert.title, body: alert.body },
    data: { conversation: alert.conversation, ...(alert.mention ? { mention: 'true' } : {}) },
  };
  if (alert.conversation) req.collapseId = alert.conversation;
  if (alert.messageCount !== undefined) req.badge = alert.messageCount;
  return req;
}

export class PushSenderDispatcher implements PushDispatcher {
  constructor(private readonly sender: PushSender) {}

  async send(alert: PushAlert): Promise<void> {
    const r = await this.sender.send(chatPushRequest(alert));
    if (r.ok) return;
    // The app server logs the reason in chat_push_log.error.
    const status = r.status !== undefined ? ` ${r.status}` : '';
    throw new Error(`${r.provider}${status} ${r.reason ?? 'failed'}${r.invalidToken ? ' (token removed)' : ''} after ${r.attempts} attempt(s)`);
  }
}

/** Forgets a dead token: the chat push nodes that use it and the devices' push bindings. */
export async function removeDeadPushToken(db: Pick<Pool, 'query'>, provider: string, token: string): Promise<void> {
  await db.query('DELETE FROM chat_push_nodes WHERE provider = ? AND token = ?', [provider, token]);
  await new DevicePushBindings(db).removeToken(provider, token);
}

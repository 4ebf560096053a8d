// The chat service started by the stack after ejabberd: the component (system messages, XEP-0357
// app server), the system-message outbox, the archive watcher (edits/retractions applied to the
// archive) and the retention purge job. Signals readiness by writing $CHAT_READY_FILE once the component is online.
import * as fs from 'node:fs';
import { loadConfig, resolveSecrets } from '@openline/config';
import { createLogger } from '@openline/log';
import { ArchiveWatcher } from './archive/watcher';
import { RetentionJob } from './archive/retention';
import { ChatComponent } from './component/component';
import { SystemOutbox } from './component/outbox';
import { createPushSender, pushEnabled } from '@openline/push';
import { PushDispatcher, RecordingPushDispatcher } from './push/dispatcher';
import { PushAppServer } from './push/app-server';
import { PushSenderDispatcher, removeDeadPushToken } from './push/sender-dispatcher';
import { xmppEndpoints, xmppSecrets } from './settings';
import { chatContextFrom } from './setup';

async function main(): Promise<void> {
  const { config } = loadConfig();
  const secrets = resolveSecrets(config);
  const log = createLogger({ component: 'chat', level: config.log.level });
  const ctx = chatContextFrom(config, secrets);
  // APNs/FCM when push.apns or push.fcm is enabled; otherwise alerts are only recorded (and logged in chat_push_log).
  const sender = pushEnabled(config) ? createPushSender(config, {
    onInvalidToken: (t) => removeDeadPushToken(ctx.db, t.provider, t.prid),
    onResult: (_req, r) => { if (!r.ok) log.warn({ provider: r.provider, status: r.status, reason: r.reason, attempts: r.attempts }, 'chat push failed'); },
  }) : undefined;
  const dispatcher: PushDispatcher = sender ? new PushSenderDispatcher(sender) : new RecordingPushDispatcher();
  const push = new PushAppServer(ctx.db, ctx.settings, dispatcher);
  const ep = xmppEndpoints(ctx.ports);
  const component = new ChatComponent({
    service: `xmpp://${ep.component.host}:${ep.component.port}`, domain: ctx.settings.componentHost,
    secret: xmppSecrets(secrets).componentSecret, push, log,
  });
  const watcher = new ArchiveWatcher(ctx.db, log);
  const retention = new RetentionJob(ctx.db, ctx.settings.retentionMonths, log);
  const outbox = new SystemOutbox(ctx.db, component, log);
  await component.start();
  await component.whenOnline();
  watcher.start();
  retention.start();
  outbox.start();
  const ready = process.env.CHAT_READY_FILE;
  if (ready) fs.writeFileSync(ready, `${process.pid}\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    retention.stop();
    await outbox.stop();
    await watcher.stop();
    await component.stop();
    await sender?.close();
    await ctx.close();
    if (ready) fs.rmSync(ready, { force: true });
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => { void stop(); });
  process.on('SIGINT', () => { void stop(); });
  // A supervisor killed outright leaves us orphaned (re-parented): stop rather than reconnect forever.
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) void stop(); }, 1000).unref();
}

main().catch((err: Error) => {
  process.stderr.write(`chat: ${err.message}\n`);
  process.exit(1);
});

// A small stack of its own (MariaDB, ejabberd, chat) on the run's second port base, with the chat
// service's push.apns/push.fcm pointed at the local APNs and FCM stand-ins — the chat service reads
// its push config at start, so the shared stack (push disabled) cannot be used for these suites.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { portsFromBase } from '@openline/config';
import { chatContextFrom } from '@openline/chat';
import { mariadbService, PROJECT_SERVICES, ServiceDefinition, ServiceFactory, StackHandle, startStack } from '@openline/stack';
import { secondaryPortBase, tempDataDir } from '../../support/stack';
import { makeApnsKey, makeServiceAccount } from '../../support/push/credentials';
import { FakeApns, startFakeApns } from '../../support/push/fake-apns';
import { FakeFcm, startFakeFcm } from '../../support/push/fake-fcm';
import { ChatEnv, newUser, pushEnabledOffline, TestUser } from './chat';

export const PUSH_TEST_BUNDLE = 'org.openline.chat-test';

export interface ChatPushStack {
  e: ChatEnv;
  apns: FakeApns;
  fcm: FakeFcm;
  /** A user whose phone registered `token` for chat pushes (and as its SIP push binding), then went offline. */
  offlineWithPush(tag: string, provider: 'apns' | 'fcm', token: string): Promise<TestUser>;
  stop(): Promise<void>;
}

/** One of the project's services by its definition name (ejabberd, chat), optionally with more env. */
function projectService(name: string, env: Record<string, string> = {}): ServiceFactory {
  return (ctx) => {
    for (const f of PROJECT_SERVICES) {
      const def: ServiceDefinition = f(ctx);
      if (def.name === name) return { ...def, env: { ...(def.env ?? {}), ...env } };
    }
    throw new Error(`no project service named ${name}`);
  };
}

export async function startChatPushStack(tag: string): Promise<ChatPushStack> {
  const key = makeApnsKey();
  const sa = makeServiceAccount();
  const apns = await startFakeApns({ teamId: key.teamId, keyId: key.keyId, publicKey: key.publicKey, bundleId: PUSH_TEST_BUNDLE });
  const fcm = await startFakeFcm({ projectId: sa.projectId, clientEmail: sa.clientEmail, publicKey: sa.publicKey });
  // The chat service is a child process: its push config comes as OPENLINE_* overrides.
  const pushEnv = {
    OPENLINE_PUSH__MAX_ATTEMPTS: '2',
    OPENLINE_PUSH__APNS__ENABLED: 'true', OPENLINE_PUSH__APNS__KEY_FILE: key.keyFile, OPENLINE_PUSH__APNS__KEY_ID: key.keyId,
    OPENLINE_PUSH__APNS__TEAM_ID: key.teamId, OPENLINE_PUSH__APNS__BUNDLE_ID: PUSH_TEST_BUNDLE, OPENLINE_PUSH__APNS__HOST: '127.0.0.1',
    OPENLINE_PUSH__APNS__PORT: String(apns.port), OPENLINE_PUSH__APNS__CA_FILE: apns.caFile,
    OPENLINE_PUSH__FCM__ENABLED: 'true', OPENLINE_PUSH__FCM__SERVICE_ACCOUNT_FILE: sa.file, OPENLINE_PUSH__FCM__ENDPOINT: fcm.url,
    OPENLINE_PUSH__FCM__CA_FILE: fcm.caFile,
  };
  const dataDir = tempDataDir(tag);
  let stack: StackHandle | undefined;
  const stop = async (): Promise<void> => {
    await stack?.stop();
    await apns.close();
    await fcm.close();
    if (!process.env.KEEP_TEST_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    stack = await startStack({
      dataDir, portBase: secondaryPortBase(), infrastructure: false, overrides: { log: { level: 'warn' } },
      services: [mariadbService, projectService('ejabberd'), projectService('chat', pushEnv)],
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const { config, secrets } = stack;
  const pool = stack.dbPool();
  const ports = portsFromBase(config.ports.base);
  const ctx = chatContextFrom(config, secrets, { pool });
  const e: ChatEnv = {
    config, secrets, ports, pool, ctx, domain: ctx.settings.domain,
    tcp: `xmpp://127.0.0.1:${ports.xmppC2s}`, ws: `ws://127.0.0.1:${ports.xmppHttp}/ws`,
  };
  const offlineWithPush: ChatPushStack['offlineWithPush'] = async (userTag, provider, token) => {
    const u = await newUser(e, userTag);
    await e.pool.query('INSERT INTO devices (account_id, instance_id, push_provider, push_prid) VALUES (?, ?, ?, ?)',
      [u.id, `<urn:uuid:${randomBytes(16).toString('hex')}>`, provider, token]);
    await pushEnabledOffline(e, u, { provider, token });
    return u;
  };
  return { e, apns, fcm, offlineWithPush, stop };
}

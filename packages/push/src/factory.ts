// Builds the PushDispatcher from the `push` config section: the providers that are enabled, with
// their key files read up front so a wrong path or a broken file stops the service at start with
// the config key named, not at the first call.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Config, findRootDir } from '@openline/config';
import { ApnsProvider } from './apns-provider';
import type { BackoffOptions } from './backoff';
import { PushDispatcher } from './dispatcher';
import { FcmProvider, FcmServiceAccount } from './fcm-provider';
import type { PushProvider } from './provider';
import { Redirect, RedirectAgent, redirectTarget } from './redirect-agent';
import type { PushRequest, PushResult, PushTarget } from './types';

export class PushConfigError extends Error {}

/** Google's hosts that firebase-admin talks to for FCM v1 and for OAuth tokens. */
export const FCM_HOST = 'fcm.googleapis.com';
export const OAUTH_HOST = 'oauth2.googleapis.com';

export interface CreatePushSenderOptions {
  /** Base for relative key file paths (default: the repository root). */
  rootDir?: string;
  onInvalidToken?: (target: PushTarget, result: PushResult) => void | Promise<void>;
  onResult?: (req: PushRequest, result: PushResult) => void;
  backoff?: BackoffOptions;
  sleep?: (ms: number) => Promise<void>;
}

type PushConfig = Config['push'];

function readKeyFile(file: string, key: string, rootDir: string): string {
  if (!file) throw new PushConfigError(`${key} is empty (required when the provider is enabled)`);
  const full = path.resolve(rootDir, file);
  try {
    return fs.readFileSync(full, 'utf8');
  } catch (err) {
    throw new PushConfigError(`${key}: cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function required(value: string, key: string): string {
  if (!value) throw new PushConfigError(`${key} is empty (required when the provider is enabled)`);
  return value;
}

/** The APNs provider for push.apns (enabled or not). */
export function apnsFromConfig(c: PushConfig['apns'], rootDir: string): ApnsProvider {
  const key = readKeyFile(c.keyFile, 'push.apns.keyFile', rootDir);
  if (!/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/.test(key)) {
    throw new PushConfigError('push.apns.keyFile: not a .p8 key (PEM "BEGIN PRIVATE KEY" expected)');
  }
  return new ApnsProvider({
    key, keyId: required(c.keyId, 'push.apns.keyId'), teamId: required(c.teamId, 'push.apns.teamId'),
    bundleId: required(c.bundleId, 'push.apns.bundleId'), production: c.production,
    ...(c.host ? { host: c.host } : {}), ...(c.port ? { port: c.port } : {}),
    ...(c.caFile ? { ca: readKeyFile(c.caFile, 'push.apns.caFile', rootDir) } : {}),
  });
}

/** The service account in push.fcm.serviceAccountFile (Firebase console JSON). */
export function readServiceAccount(file: string, rootDir: string): FcmServiceAccount {
  const text = readKeyFile(file, 'push.fcm.serviceAccountFile', rootDir);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PushConfigError('push.fcm.serviceAccountFile: not JSON');
  }
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const field = (name: string): string => {
    const v = o[name];
    if (typeof v !== 'string' || !v) throw new PushConfigError(`push.fcm.serviceAccountFile: "${name}" missing`);
    return v;
  };
  return { projectId: field('project_id'), clientEmail: field('client_email'), privateKey: field('private_key') };
}

/** The FCM provider for push.fcm; endpoint/tokenUrl redirect Google's hosts (tokenUrl defaults to endpoint). */
export function fcmFromConfig(c: PushConfig['fcm'], rootDir: string): FcmProvider {
  const serviceAccount = readServiceAccount(c.serviceAccountFile, rootDir);
  const redirects = new Map<string, Redirect>();
  // With only an endpoint set, OAuth goes there too: a test setup must never reach Google.
  if (c.endpoint) redirects.set(FCM_HOST, redirectTarget(c.endpoint, 'push.fcm.endpoint'));
  const tokenUrl = c.tokenUrl || c.endpoint;
  if (tokenUrl) redirects.set(OAUTH_HOST, redirectTarget(tokenUrl, c.tokenUrl ? 'push.fcm.tokenUrl' : 'push.fcm.endpoint'));
  const ca = c.caFile ? readKeyFile(c.caFile, 'push.fcm.caFile', rootDir) : undefined;
  const httpAgent = redirects.size || ca ? new RedirectAgent(redirects, ca) : undefined;
  return new FcmProvider({ serviceAccount, serviceAccountFile: path.resolve(rootDir, c.serviceAccountFile), ...(httpAgent ? { httpAgent, ownsAgent: true } : {}) });
}

/** A PushDispatcher with the providers enabled in config.push (none enabled: every push is 'unsupported-provider'). */
export function createPushSender(config: Pick<Config, 'push'>, opts: CreatePushSenderOptions = {}): PushDispatcher {
  const rootDir = opts.rootDir ?? findRootDir();
  const providers: PushProvider[] = [];
  if (config.push.apns.enabled) providers.push(apnsFromConfig(config.push.apns, rootDir));
  if (config.push.fcm.enabled) providers.push(fcmFromConfig(config.push.fcm, rootDir));
  return new PushDispatcher({
    providers, maxAttempts: config.push.maxAttempts,
    ...(opts.backoff ? { backoff: opts.backoff } : {}), ...(opts.sleep ? { sleep: opts.sleep } : {}),
    ...(opts.onInvalidToken ? { onInvalidToken: opts.onInvalidToken } : {}), ...(opts.onResult ? { onResult: opts.onResult } : {}),
  });
}

/** True when config.push enables at least one provider. */
export function pushEnabled(config: Pick<Config, 'push'>): boolean {
  return config.push.apns.enabled || config.push.fcm.enabled;
}

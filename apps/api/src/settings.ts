// What the API needs from the run's configuration, derived once at start (config validated by
// packages/config): ports, public endpoints, keys and limits.
import * as path from 'node:path';
import { ConfigError, portsFromBase, type Config, type Secrets } from '@openline/config';
import { deriveKeys, type ApiKeys } from './crypto/keys';

export type ApiConfig = Config['api'];

export interface ApiSettings {
  api: ApiConfig;
  /** SIP domain (and digest realm) of accounts created here. */
  sipDomain: string;
  listenPort: number;
  /** Base of links in messages, without trailing slash. */
  publicUrl: string;
  /** Where clients send SIP (written into the SIP credentials). */
  sip: { host: string; port: number; wsPort: number };
  turn: { host: string; port: number; realm: string; ttlSeconds: number; secret: string };
  keys: ApiKeys;
  sipPasswordKey: string;
  avatarDir: string;
  /** RFC 8599 pn-provider values accepted for push tokens (the registrar's list). */
  pushProviders: string[];
}

export function apiSettings(config: Config, secrets: Secrets): ApiSettings {
  if (config.api.sms.provider === 'http' && !config.api.sms.url) {
    throw new ConfigError('config: api.sms.url must be set when api.sms.provider is http');
  }
  const ports = portsFromBase(config.ports.base);
  const host = config.api.publicHost;
  return {
    api: config.api,
    sipDomain: config.sip.domain,
    listenPort: ports.api,
    publicUrl: (config.api.publicUrl || `http://${host}:${ports.api}`).replace(/\/+$/, ''),
    sip: { host, port: ports.sip, wsPort: ports.ws },
    turn: { host, port: ports.turn, realm: config.turn.realm, ttlSeconds: config.turn.credentialTtlSeconds, secret: secrets.turnStaticAuthSecret },
    keys: deriveKeys(secrets.jwtKey, secrets.sipPasswordKey),
    sipPasswordKey: secrets.sipPasswordKey,
    avatarDir: path.join(config.dataDir, 'avatars'),
    pushProviders: config.registrar.pushProviders.split(','),
  };
}

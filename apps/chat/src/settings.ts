// What the chat glue and the ejabberd template share: the XMPP domains of a run, its limits and
// the per-run secrets of the component and the REST admin API. The domains follow sip.domain so a
// user's chat address is their account: alice@openline.local.
import { createHmac } from 'node:crypto';
import type { Config, Ports, Secrets } from '@openline/config';

export interface ChatSettings {
  /** XMPP virtual host: the accounts' domain. */
  domain: string;
  /** MUC service (XEP-0045). */
  mucHost: string;
  /** The project's component (XEP-0114): system messages and the XEP-0357 app server. */
  componentHost: string;
  /** Most members a group may have (the eldercare seed's limit). */
  maxGroupMembers: number;
  /** Archive retention; older messages are purged by the retention job. */
  retentionMonths: number;
  /** Largest stanza ejabberd accepts from a client, in bytes. */
  maxStanzaSize: number;
  /** c2s shaper: bytes per second per connection, and the burst allowed. */
  c2sRate: number;
  c2sBurst: number;
}

/** From the config's `chat` section (config/openline.example.yaml documents each key). */
export function chatSettings(config: Config, overrides: Partial<ChatSettings> = {}): ChatSettings {
  const domain = config.sip.domain;
  const c = config.chat;
  return {
    domain,
    mucHost: `conference.${domain}`,
    componentHost: `system.${domain}`,
    maxGroupMembers: c.maxGroupMembers,
    retentionMonths: c.retentionMonths,
    maxStanzaSize: c.maxStanzaSize,
    c2sRate: c.c2sRate,
    c2sBurst: 2 * c.c2sRate,
    ...overrides,
  };
}

/** The user the glue authenticates as on ejabberd's REST API (external auth knows it). */
export const API_USER = 'openline-api';

export interface XmppSecrets {
  /** XEP-0114 handshake secret of the component. */
  componentSecret: string;
  /** Password of API_USER on the REST admin API. */
  apiPassword: string;
}

/**
 * Derived per run from the JWT key, so no new secret needs provisioning and a rotated key
 * rotates these too. Labels keep the two independent.
 */
export function xmppSecrets(secrets: Secrets): XmppSecrets {
  const derive = (label: string): string => createHmac('sha256', secrets.jwtKey).update(label).digest('base64url');
  return { componentSecret: derive('openline/xmpp-component'), apiPassword: derive('openline/xmpp-rest-api') };
}

export interface XmppEndpoints {
  c2s: { host: string; port: number };
  websocketUrl: string;
  component: { host: string; port: number };
  apiUrl: string;
}

export function xmppEndpoints(ports: Ports): XmppEndpoints {
  return {
    c2s: { host: '127.0.0.1', port: ports.xmppC2s },
    websocketUrl: `ws://127.0.0.1:${ports.xmppHttp}/ws`,
    component: { host: '127.0.0.1', port: ports.xmppComponent },
    apiUrl: `http://127.0.0.1:${ports.xmppApi}/api`,
  };
}

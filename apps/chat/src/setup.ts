// Builds a ChatContext for a process from the run's configuration (apps/api, the chat service,
// tests): a MariaDB pool, the REST API client as the glue's service user, the chat settings.
import type { Config, Ports, Secrets } from '@openline/config';
import { portsFromBase } from '@openline/config';
import { createDbPool, dbOptionsFrom } from '@openline/db';
import type { Pool } from 'mariadb';
import { EjabberdApi } from './api/ejabberd-api';
import type { ChatContext } from './context';
import { API_USER, chatSettings, ChatSettings, xmppEndpoints, xmppSecrets } from './settings';

export interface ChatSetup extends ChatContext {
  ports: Ports;
  close(): Promise<void>;
}

export function chatContextFrom(config: Config, secrets: Secrets, opts: { pool?: Pool; settings?: Partial<ChatSettings> } = {}): ChatSetup {
  const ports = portsFromBase(config.ports.base);
  const settings = chatSettings(config, opts.settings);
  const pool = opts.pool ?? createDbPool(dbOptionsFrom(config, secrets));
  const api = new EjabberdApi({ url: xmppEndpoints(ports).apiUrl, user: `${API_USER}@${settings.domain}`, password: xmppSecrets(secrets).apiPassword });
  return {
    db: pool, api, settings, ports,
    close: async () => { if (!opts.pool) await pool.end(); },
  };
}

// Everything the routes and services need, built once at start (jambonz: dependencies in locals).
import type { ChatContext } from '@openline/chat';
import type { AccountRepo, Pool } from '@openline/db';
import type { Logger } from '@openline/log';
import type { Redis } from 'ioredis';
import type { Clock } from './clock';
import type { AccessTokens } from './http/auth';
import type { CdrApiDeps } from './services/cdr-deps';
import type { RateLimiter } from './http/rate-limit';
import type { Mailer } from './providers/mail';
import type { SmsProvider } from './providers/sms';
import type { AccountsRepo } from './repos/accounts';
import type { CirclesRepo } from './repos/circles';
import type { ContactsRepo } from './repos/contacts';
import type { DevicesRepo } from './repos/devices';
import type { NotificationsRepo } from './repos/notifications';
import type { SocialRepo } from './repos/social';
import type { ActionTokensRepo, RefreshTokensRepo } from './repos/tokens';
import type { VerificationsRepo } from './repos/verifications';
import type { NotificationSink } from './services/notifications';
import type { ApiSettings } from './settings';

export interface Repos {
  accounts: AccountsRepo;
  /** Credentials (HA1, sealed SIP password, web password hash) in step: @openline/db. */
  credentials: AccountRepo;
  devices: DevicesRepo;
  verifications: VerificationsRepo;
  refresh: RefreshTokensRepo;
  actions: ActionTokensRepo;
  contacts: ContactsRepo;
  notifications: NotificationsRepo;
  circles: CirclesRepo;
  social: SocialRepo;
}

export interface ApiDeps {
  settings: ApiSettings;
  pool: Pool;
  redis: Redis;
  logger: Logger;
  clock: Clock;
  sms: SmsProvider;
  mailer: Mailer;
  notify: NotificationSink;
  limiter: RateLimiter;
  access: AccessTokens;
  repos: Repos;
  /** CDR store, API keys and limits of the CDR routes (issue 8). */
  cdr: CdrApiDeps;
  /** @openline/chat's context (the API's pool, ejabberd's REST API): the chat routes (issue 10). */
  chat: ChatContext;
}

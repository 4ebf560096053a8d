export { startApi, buildDeps, createApp, apiRoutes, API_VERSION, type RunningApi, type BuildOptions } from './app';
export { isBlocked, isBlockedBySip } from './blocks';
export type { NotificationSink, Notification, NotificationKind } from './services/notifications';
export { DbNotificationSink } from './services/notifications';
export { normaliseNumber, callingCode } from './phone/normalise';
export { HttpSmsProvider, type SmsProvider } from './providers/sms';
export { SmtpMailer, type Mailer } from './providers/mail';
export { OffsetClock, systemClock, type Clock } from './clock';
export { expressPath } from './http/route';

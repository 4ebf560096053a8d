// Local servers that play the third-party services (SMS gateway, SMTP) for tests and development.
// Not part of the main entry: smtp-server is a development dependency.
export * from './sms-server';
export * from './smtp-server';

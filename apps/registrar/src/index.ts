export * from './app';
export * from './lib/contact';
export * from './lib/errors';
export * from './lib/plan';
export * from './lib/deps';

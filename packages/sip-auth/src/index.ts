export * from './params';
export * from './nonce';
export * from './digest';

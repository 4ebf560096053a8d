export * from './ports';
export * from './schema';
export * from './errors';
export * from './env';
export * from './load';
export * from './secrets';

export * from './types';
export * from './call-gateway';

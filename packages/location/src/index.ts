export * from './binding';
export * from './store';
export * from './events';
export * from './redis-store';
export * from './reachable';

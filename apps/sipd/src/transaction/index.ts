// Public surface of the transaction layer (RFC 3261 §17, RFC 6026).
export * from './transaction-state';
export * from './timers';
export * from './errors';
export * from './transaction-user';
export { Transaction } from './transaction';
export { InviteClientTransaction } from './invite-client-transaction';
export { NonInviteClientTransaction } from './non-invite-client-transaction';
export { InviteServerTransaction, type TryingMode, type AckDisposition } from './invite-server-transaction';
export { NonInviteServerTransaction } from './non-invite-server-transaction';
export { createResponse, createNon2xxAck, createCancel } from './message-factory';
export { newBranch, MAGIC_COOKIE, tagOf, detached } from './transaction-keys';
export * from './transaction-layer';

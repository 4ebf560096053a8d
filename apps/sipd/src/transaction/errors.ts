// Catchable transaction-layer errors (programming errors of the layer above, e.g. responding twice).
import type { TransactionState } from './transaction-state';

export class TransactionStateError extends Error {
  constructor(
    readonly transactionId: string,
    readonly from: TransactionState,
    readonly to: TransactionState | string,
  ) {
    super(`transaction ${transactionId}: invalid transition ${from} -> ${to}`);
    this.name = 'TransactionStateError';
  }
}

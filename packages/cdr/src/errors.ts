// Errors a CdrStore rejects with: "unavailable" is worth retrying (DurableCdrWriter does),
// "validation" is not (the record itself is wrong).

/** The backend could not be reached or did not answer; the operation may be retried. */
export class CdrStoreUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CdrStoreUnavailableError';
  }
}

/** A record, filter or cursor is invalid; retrying will not help. */
export class CdrValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdrValidationError';
  }
}

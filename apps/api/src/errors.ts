// API errors: every failure leaves as JSON {error: {code, message, field?}} with one status. Data
// layer errors (packages/db DataError) map to the same shape.
import { DataError } from '@openline/db';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string,
    readonly retryAfterSeconds?: number) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (field: string, message: string, code = 'invalid'): ApiError => new ApiError(400, code, message, field);
export const unauthorized = (message = 'sign in first: missing or invalid access token', code = 'unauthorized'): ApiError =>
  new ApiError(401, code, message);
export const forbidden = (message: string, code = 'forbidden'): ApiError => new ApiError(403, code, message);
export const notFound = (message: string, code = 'not_found'): ApiError => new ApiError(404, code, message);
export const conflict = (message: string, code: string, field?: string): ApiError => new ApiError(409, code, message, field);
export const gone = (message: string, code: string): ApiError => new ApiError(410, code, message);
export const tooMany = (message: string, code: string, retryAfterSeconds?: number): ApiError =>
  new ApiError(429, code, message, undefined, retryAfterSeconds);

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** The ApiError for anything thrown by a handler; undefined for unexpected errors (500). */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof DataError) {
    switch (err.kind) {
      case 'invalid': return new ApiError(400, 'invalid', err.message);
      case 'duplicate': return new ApiError(409, 'duplicate', err.message);
      case 'not-found': return new ApiError(404, 'not_found', err.message);
      case 'in-use': return new ApiError(409, 'in_use', err.message);
    }
  }
  return undefined;
}

export function errorBody(e: ApiError): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.field !== undefined ? { field: e.field } : {}) } };
}

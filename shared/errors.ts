/**
 * The one acknowledgement shape every client→server event answers with, and the closed set of error
 * codes it may carry. `message` is written for people; it never carries an exception's text.
 */
export const ERROR_CODES = [
  'invalid_payload',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'invalid_code',
  'code_expired',
  'too_many_attempts',
  'invalid_state',
  'duplicate_request',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AckError {
  code: ErrorCode;
  message: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };

export type AckFn<T> = (ack: Ack<T>) => void;

/** An expected failure with a code from the closed set; anything else thrown is reported as `internal`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, string | number | null>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

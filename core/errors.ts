// Domain errors. The API maps each code to one HTTP status and the single error format
// `{ error, message, details }`; job workers use `retryable` to decide a job's fate (dispatcher/dispatcher.ts):
// a job that throws a non-retryable domain error fails for good, anything else is retried with backoff.

export type ErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  // accounts: stable codes the console translates
  | 'invalid_credentials'
  | 'account_locked'
  | 'account_deactivated'
  | 'password_change_required'
  | 'csrf_rejected';

/** One problem with one input: the API's error `details` is always a list of these (docs/api.md). */
export interface FieldProblem {
  /** Where the problem is, e.g. `body.stationId`, `querystring.cursor`, `rows[3].lat`. */
  readonly field: string;
  readonly message: string;
}

/** Codes of conditions that can pass by themselves (contention, overload, an unavailable dependency). */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['conflict', 'rate_limited', 'unavailable', 'internal']);

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  /** True when trying the same thing again later can succeed; false when only a different request can. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(kind: string, id: string) {
    super('not_found', `${kind} ${id} not found`);
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  constructor(message: string, details: readonly FieldProblem[] = []) {
    super('validation_failed', message, details);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  constructor(message: string, details: readonly FieldProblem[] = []) {
    super('conflict', message, details);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  constructor(message = 'this action is not allowed for your role') {
    super('forbidden', message);
  }
}

export class InvalidTransitionError extends DomainError {
  override readonly name = 'InvalidTransitionError';
  constructor(from: string, to: string) {
    super('invalid_transition', `cannot move a case from ${from} to ${to}`, [{ field: 'status', message: `cannot move from ${from} to ${to}` }]);
  }
}
